using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Gateway;
using Mesh.Host;
using Mesh.IntegrationTests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.IntegrationTests;

/// <summary>
/// The OpenAI batch API end to end: a JSONL file uploaded to the gateway runs through the real scheduler and engine
/// workers as offline work, and the output file holds, per custom id, the text of a plain engine run; a bad line
/// lands in the error file without stopping the others.
/// </summary>
public sealed class BatchApiTests(TinyModel model) : IClassFixture<TinyModel>, IAsyncLifetime
{
    private const int MaxTokens = 8;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mesh-itest-batches-" + Guid.NewGuid().ToString("N"));

    private Harness _mesh = null!;

    public async Task InitializeAsync() =>
        _mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions { Colocated = true },
            services => services.Configure<BatchOptions>(o => o.Directory = _folder));

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_batch_of_completions_gives_the_text_of_plain_engine_runs_per_custom_id()
    {
        string[] prompts = ["Once upon a time", "The little dog", "She saw a big"];
        StringBuilder input = new();
        for (int i = 0; i < prompts.Length; i++)
            input.Append($$$"""{"custom_id":"p{{{i}}}","method":"POST","url":"/v1/completions","body":{"model":"{{{TinyModel.Name}}}","prompt":"{{{prompts[i]}}}","max_tokens":{{{MaxTokens}}},"temperature":0,"ignore_eos":true}}""").Append('\n');
        input.Append("""{"custom_id":"lost","method":"POST","url":"/v1/completions","body":{"model":"no-such-model","prompt":"x"}}""").Append('\n');

        string fileId = await UploadAsync(input.ToString());
        using HttpResponseMessage created = await _mesh.Http.PostAsync("/v1/batches", Json(
            $$"""{"input_file_id":"{{fileId}}","endpoint":"/v1/completions","completion_window":"24h"}"""));
        string createdBody = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, createdBody);
        string batchId = JsonDocument.Parse(createdBody).RootElement.GetProperty("id").GetString()!;

        JsonElement batch = await WaitForEndAsync(batchId);

        Assert.Equal("completed", batch.GetProperty("status").GetString());
        JsonElement counts = batch.GetProperty("request_counts");
        Assert.Equal((4, 3, 1), (counts.GetProperty("total").GetInt32(), counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32()));
        List<JsonElement> outputs = await LinesAsync(batch.GetProperty("output_file_id").GetString()!);
        Assert.Equal(["p0", "p1", "p2"], outputs.Select(o => o.GetProperty("custom_id").GetString()));
        using LoadedModel loaded = ModelLoader.Load(model.Path);
        for (int i = 0; i < prompts.Length; i++)
        {
            int[] ids = loaded.Tokenizer.Encode(prompts[i], loaded.Tokenizer.AddBos);
            GenerationResult expected = model.Reference(ids, new SamplingParams { Temperature = 0, MaxTokens = MaxTokens, IgnoreEos = true });
            JsonElement response = outputs[i].GetProperty("response");
            Assert.Equal(200, response.GetProperty("status_code").GetInt32());
            JsonElement body = response.GetProperty("body");
            Assert.Equal("text_completion", body.GetProperty("object").GetString());
            Assert.Equal(expected.Text, body.GetProperty("choices")[0].GetProperty("text").GetString());
            Assert.Equal(ids.Length, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(MaxTokens, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }
        JsonElement error = Assert.Single(await LinesAsync(batch.GetProperty("error_file_id").GetString()!));
        Assert.Equal("lost", error.GetProperty("custom_id").GetString());
        Assert.Equal(404, error.GetProperty("response").GetProperty("status_code").GetInt32());
        Assert.Equal("model_not_found", error.GetProperty("response").GetProperty("body").GetProperty("error").GetProperty("code").GetString());
    }

    private async Task<string> UploadAsync(string content)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("batch"), "purpose" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(content)) { Headers = { ContentType = new MediaTypeHeaderValue("application/jsonl") } }, "file", "input.jsonl" },
        };
        using HttpResponseMessage response = await _mesh.Http.PostAsync("/v1/files", form);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Polls until the batch ended (60 s at most: the tiny model runs on the CPU).</summary>
    private async Task<JsonElement> WaitForEndAsync(string batchId)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            JsonElement batch = JsonDocument.Parse(await _mesh.Http.GetStringAsync("/v1/batches/" + batchId)).RootElement.Clone();
            string status = batch.GetProperty("status").GetString()!;
            if (status is "completed" or "failed" or "expired" or "cancelled") return batch;
            Assert.True(DateTime.UtcNow < giveUp, $"Batch {batchId} did not end within 60 s: {batch}");
            await Task.Delay(50);
        }
    }

    private async Task<List<JsonElement>> LinesAsync(string fileId)
    {
        string text = await _mesh.Http.GetStringAsync($"/v1/files/{fileId}/content");
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
