using System.Net;
using System.Text.Json;
using Mesh.Contracts;
using static Mesh.Gateway.Tests.BatchApi;

namespace Mesh.Gateway.Tests;

/// <summary>Bad input lines each get an error line (the error the HTTP endpoint would give); the other lines still run.</summary>
public sealed class BatchLineErrorTests
{
    [Fact]
    public async Task Bad_lines_are_reported_one_by_one_and_the_rest_of_the_batch_runs()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        string oversized = new('x', 5000); // the body is over Gateway:MaxRequestBytes (4096 in GatewayHost)
        string input = Jsonl(
            ChatLine("good-1", "first"),                                                                   // 1
            """{"custom_id":"broken","method":"POST",""",                                                  // 2 malformed JSON
            ChatLine("unknown-model", "x", model: "gpt-9"),                                                // 3
            ChatLine("too-big", oversized),                                                                // 4
            """{"custom_id":"wrong-url","method":"POST","url":"/v1/completions","body":{"model":"tiny","prompt":"x"}}""", // 5
            """{"custom_id":"wrong-method","method":"GET","url":"/v1/chat/completions","body":{}}""",      // 6
            ChatLine("good-1", "again"),                                                                   // 7 duplicate custom_id
            ChatLine("hot", "x", extra: ""","temperature":5"""),                                           // 8 validation error
            """{"method":"POST","url":"/v1/chat/completions","body":{"model":"tiny"}}""",                  // 9 no custom_id
            "",                                                                                            // 10 blank: skipped
            ChatLine("streaming", "x", extra: ""","stream":true"""),                                       // 11
            ChatLine("good-2", "second"));                                                                 // 12

        string id = (await StartAsync(host.Client, input)).GetProperty("id").GetString()!;
        JsonElement batch = await WaitForStatusAsync(host.Client, id, "completed");

        Assert.Equal((11, 2, 9), (Count(batch, "total"), Count(batch, "completed"), Count(batch, "failed")));
        Assert.Equal(["first", "second"], host.Backend.Requests.Entries.Select(Content).Order());
        Assert.Equal(["good-1", "good-2"], (await LinesAsync(host.Client, batch.GetProperty("output_file_id").GetString()!)).Select(l => l.GetProperty("custom_id").GetString()));

        List<JsonElement> errors = await LinesAsync(host.Client, batch.GetProperty("error_file_id").GetString()!);
        (string? CustomId, int Status, string? Param, string Code)[] expected =
        [
            (null, 400, null, "invalid_json"),
            ("unknown-model", 404, "model", "model_not_found"),
            ("too-big", 413, null, "request_too_large"),
            ("wrong-url", 400, "url", "invalid_value"),
            ("wrong-method", 400, "method", "invalid_value"),
            ("good-1", 400, "custom_id", "duplicate_custom_id"),
            ("hot", 400, "temperature", "invalid_value"),
            (null, 400, "custom_id", "missing_required_parameter"),
            ("streaming", 400, "stream", "unsupported_parameter"),
        ];
        Assert.Equal(expected.Length, errors.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            JsonElement line = errors[i];
            Assert.Equal(expected[i].CustomId, line.GetProperty("custom_id").GetString());
            Assert.Equal(JsonValueKind.Null, line.GetProperty("error").ValueKind);
            JsonElement response = line.GetProperty("response");
            Assert.Equal(expected[i].Status, response.GetProperty("status_code").GetInt32());
            Assert.Equal(JsonValueKind.Null, response.GetProperty("request_id").ValueKind);
            Http.AssertError(response.GetProperty("body"), "invalid_request_error", expected[i].Param, expected[i].Code);
        }
    }

    [Theory]
    [InlineData("""{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}""")]
    [InlineData("""{"model":"tiny","messages":[{"role":"wizard","content":"x"}]}""")]
    [InlineData("""{"model":"tiny","messages":"hi"}""")]
    [InlineData("""{"model":"tiny","messages":[{"role":"user","content":"x"}],"n":99}""")]
    public async Task A_bad_body_gets_the_same_error_body_and_status_as_the_http_endpoint(string body)
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        (HttpStatusCode httpStatus, JsonElement httpError) = await Http.PostAsync(host.Client, "/v1/chat/completions", body);

        string line = $$"""{"custom_id":"c","method":"POST","url":"/v1/chat/completions","body":{{body}}}""";
        string id = (await StartAsync(host.Client, Jsonl(line))).GetProperty("id").GetString()!;
        JsonElement batch = await WaitForStatusAsync(host.Client, id, "completed");

        JsonElement response = Assert.Single(await LinesAsync(host.Client, batch.GetProperty("error_file_id").GetString()!)).GetProperty("response");
        Assert.Equal((int)httpStatus, response.GetProperty("status_code").GetInt32());
        Assert.Equal(httpError.ToString(), response.GetProperty("body").ToString());
        Assert.Equal(0, host.Backend.Requests.Count);
    }

    [Fact]
    public async Task An_input_without_request_lines_fails_the_batch()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());

        string id = (await StartAsync(host.Client, "\n\n")).GetProperty("id").GetString()!;
        JsonElement batch = await WaitForStatusAsync(host.Client, id, "failed");

        JsonElement error = Assert.Single(batch.GetProperty("errors").GetProperty("data").EnumerateArray());
        Assert.Equal("empty_file", error.GetProperty("code").GetString());
        Assert.True(batch.GetProperty("failed_at").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, batch.GetProperty("output_file_id").ValueKind);
    }

    [Fact]
    public async Task An_input_with_more_lines_than_allowed_fails_the_batch()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings(("Gateway:Batches:MaxRequestsPerBatch", "2")));

        string id = (await StartAsync(host.Client, Jsonl(ChatLine("a", "1"), ChatLine("b", "2"), ChatLine("c", "3")))).GetProperty("id").GetString()!;
        JsonElement batch = await WaitForStatusAsync(host.Client, id, "failed");

        Assert.Equal("too_many_requests", batch.GetProperty("errors").GetProperty("data")[0].GetProperty("code").GetString());
        Assert.Equal(0, host.Backend.Requests.Count);
    }
}
