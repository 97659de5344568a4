using System.Text.Json;
using Mesh.Contracts;
using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Host;
using Mesh.IntegrationTests.Support;
using Mesh.KvCache;
using Mesh.Workers.Engine;
using Mesh.Workers.Hosting;
using FinishReason = Mesh.Contracts.FinishReason;

namespace Mesh.IntegrationTests;

/// <summary>
/// One prefill worker and one decode worker, each with its own engine, in one process: every request's KV goes from
/// the prefill engine through the KV store into the decode engine, and the tokens are those of a plain engine run.
/// </summary>
public sealed class DisaggregatedTests(TinyModel model) : IClassFixture<TinyModel>, IAsyncLifetime
{
    private Harness _mesh = null!;

    /// <summary>Cancellations the scheduler sent to decode-0 (seen beside the worker, by the test's own group).</summary>
    private readonly MessageLog<CancelRequest> _decodeCancels = new();

    // Leases of 9 s rather than 3: the cancel test holds decode-0's engine while ~2000 chunks flood the bus, and in a CI
    // run (2 cores, test classes in parallel) the scheduler once restarted the request as attempt 1 with no stage
    // failure in between — a lost worker is the only such path — so the cancel ended that attempt with 0 tokens.
    // Nothing in this class waits for a lease to lapse.
    public async Task InitializeAsync() => _mesh = await Harness.StartAsync(model.Path, new EmbeddedOptions(),
        settings: new Dictionary<string, string?> { ["Mesh:Worker:ReportInterval"] = "00:00:03" }, subscriptions: bus => bus
        .Subscribe<CancelRequest>(Topics.ForWorker(Topics.Cancellations, new WorkerId("decode-0")),
            (cancel, _) => { _decodeCancels.Add(cancel); return Task.FromResult(Mesh.ServiceDefaults.Bus.HandlerResult.Success); },
            new Mesh.ServiceDefaults.Bus.SubscriptionOptions { Group = "itest" }));

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private static SamplingParameters Seeded(int maxTokens) =>
        new(MaxTokens: maxTokens, Temperature: 0.9f, TopP: 0.95f, Seed: 42, IgnoreEos: true);

    [Fact]
    public async Task A_bus_request_gives_the_tokens_of_a_plain_engine_run_with_decode_reading_the_kv_store()
    {
        int[] prompt = TinyModel.Prompt(seed: 1, count: 40);
        SamplingParameters sampling = Seeded(20);
        GenerationResult expected = model.Reference(prompt, SamplingMapper.ToEngine(sampling));
        (long prefillBefore, long prefillDecodeBefore) = await _mesh.ComputedAsync("prefill-0");
        (long decodePrefillBefore, long decodeBefore) = await _mesh.ComputedAsync("decode-0");
        KvTierStats ramBefore = await _mesh.RamStatsAsync();

        RequestReplies replies = await _mesh.RunAsync(Harness.Request(new TokenPrompt(prompt), sampling));

        Completed completed = Assert.IsType<Completed>(await replies.End);
        Assert.Equal(expected.Ids, replies.TokenIds);
        Assert.Equal(expected.Text, replies.Text);
        Assert.Equal(FinishReason.Length, completed.FinishReason);
        Assert.Equal(new Usage(40, 20, 0), completed.Usage);
        Assert.Equal(Enumerable.Range(0, replies.Chunks.Length).Select(i => (long)i), replies.Chunks.Select(c => c.Sequence));

        // The prompt ran on prefill-0 only, the generation on decode-0 only: 19 steps, each computing the token sampled
        // before it (the first token came from prefill; the last one is never fed back).
        (long prefillAfter, long prefillDecodeAfter) = await _mesh.ComputedAsync("prefill-0");
        (long decodePrefillAfter, long decodeAfter) = await _mesh.ComputedAsync("decode-0");
        Assert.Equal(40, prefillAfter - prefillBefore);
        Assert.Equal(0, prefillDecodeAfter - prefillDecodeBefore);
        Assert.Equal(0, decodePrefillAfter - decodePrefillBefore);
        Assert.Equal(19, decodeAfter - decodeBefore);

        // 40 tokens of KV = 2 full blocks + 1 partial, plus the token manifest: written once, all read back by decode.
        // Decode's checkpoint at 48 positions adds the third block, now full, and its manifest (the first two are not
        // sent again).
        KvTierStats ramAfter = await _mesh.RamStatsAsync();
        Assert.Equal(4 + 2, ramAfter.Puts - ramBefore.Puts);
        Assert.True(ramAfter.Hits - ramBefore.Hits >= 4, $"decode read {ramAfter.Hits - ramBefore.Hits} blocks from the KV store; it needs 4");
    }

    [Fact]
    public async Task A_text_prompt_is_tokenized_by_the_scheduler_like_mesh_generate_does()
    {
        const string text = "The cat sat on the mat and looked at the door";
        using LoadedModel loaded = ModelLoader.Load(model.Path);
        int[] ids = loaded.Tokenizer.Encode(text, loaded.Tokenizer.AddBos);
        SamplingParameters sampling = new(MaxTokens: 12, Temperature: 0f, IgnoreEos: true);
        GenerationResult expected = model.Reference(ids, SamplingMapper.ToEngine(sampling with { Seed = 0 }));

        RequestReplies replies = await _mesh.RunAsync(Harness.Request(new TextPrompt(text), sampling));

        Completed completed = Assert.IsType<Completed>(await replies.End);
        Assert.Equal(expected.Ids, replies.TokenIds);
        Assert.Equal(expected.Text, replies.Text);
        Assert.Equal(ids.Length, completed.Usage.PromptTokens);
    }

    [Fact]
    public async Task A_second_request_sharing_a_prefix_prefills_only_the_new_part()
    {
        int[] first = TinyModel.Prompt(seed: 2, count: 64);
        int[] second = [.. first[..48], .. TinyModel.Prompt(seed: 3, count: 17)[1..]];
        SamplingParameters sampling = Seeded(6);
        await _mesh.RunAsync(Harness.Request(new TokenPrompt(first), sampling));
        (long before, _) = await _mesh.ComputedAsync("prefill-0");

        RequestReplies replies = await _mesh.RunAsync(Harness.Request(new TokenPrompt(second), sampling));

        (long after, _) = await _mesh.ComputedAsync("prefill-0");
        Completed completed = Assert.IsType<Completed>(await replies.End);
        Assert.Equal(64 - 48, after - before);
        Assert.Equal(new Usage(64, 6, 48), completed.Usage);
        Assert.Equal(model.Reference(second, SamplingMapper.ToEngine(sampling)).Ids, replies.TokenIds);
    }

    [Fact]
    public async Task Max_tokens_of_one_streams_the_prefill_token_and_completes()
    {
        int[] prompt = TinyModel.Prompt(seed: 4, count: 21);
        SamplingParameters sampling = Seeded(1);
        GenerationResult expected = model.Reference(prompt, SamplingMapper.ToEngine(sampling));

        RequestReplies replies = await _mesh.RunAsync(Harness.Request(new TokenPrompt(prompt), sampling));

        Completed completed = Assert.IsType<Completed>(await replies.End);
        TokenChunk chunk = Assert.Single(replies.Chunks);
        Assert.Equal(expected.Ids, chunk.TokenIds);
        Assert.Equal(expected.Text, chunk.TextDelta);
        Assert.Equal(FinishReason.Length, chunk.FinishReason);
        Assert.Equal(new Usage(21, 1, 0), completed.Usage);
    }

    [Fact]
    public async Task A_chat_request_is_rendered_with_the_models_chat_format()
    {
        using LoadedModel loaded = ModelLoader.Load(model.Path);
        var format = loaded.ChatFormat!;
        string rendered = format.Apply([new Mesh.Engine.Tokenization.ChatMessage("user", "hello there")]);
        int[] ids = loaded.Tokenizer.Encode(rendered, addBos: !format.WritesBos && loaded.Tokenizer.AddBos);
        SamplingParameters sampling = new(MaxTokens: 8, Temperature: 0f, IgnoreEos: true);
        GenerationResult expected = model.Reference(ids, SamplingMapper.ToEngine(sampling with { Seed = 0 }) with { StopStrings = [.. format.StopStrings] });

        RequestReplies replies = await _mesh.RunAsync(Harness.Request(new ChatPrompt([new ChatMessage("user", "hello there")]), sampling));

        Assert.IsType<Completed>(await replies.End);
        Assert.Equal(expected.Ids, replies.TokenIds);
        Assert.Equal(expected.Text, replies.Text);
    }

    [Theory]
    [InlineData("empty", "the prompt is empty")]
    [InlineData("oversized", "context holds 2048 tokens")]
    [InlineData("max_tokens", "max_tokens must be at least 1")]
    [InlineData("model", "model 'gpt-4' is not served here")]
    [InlineData("n", "n must be from 1 to 16, was 17")]
    [InlineData("temperature", "temperature must be ≥ 0")]
    [InlineData("vocabulary", "token id 600 is outside the vocabulary")]
    public async Task Bad_input_ends_in_a_failed_reply_with_a_clear_message(string what, string message)
    {
        SamplingParameters ok = Seeded(8);
        InferenceRequest request = what switch
        {
            "empty" => Harness.Request(new TextPrompt(""), ok),
            "oversized" => Harness.Request(new TokenPrompt(TinyModel.Prompt(5, 2040)), ok with { MaxTokens = 16 }),
            "max_tokens" => Harness.Request(new TokenPrompt([1, 5, 6]), ok with { MaxTokens = 0 }),
            "model" => Harness.Request(new TokenPrompt([1, 5, 6]), ok, model: "gpt-4"),
            "n" => Harness.Request(new TokenPrompt([1, 5, 6]), ok with { N = 17 }),
            "temperature" => Harness.Request(new TokenPrompt([1, 5, 6]), ok with { Temperature = -1 }),
            _ => Harness.Request(new TokenPrompt([1, 600]), ok),
        };

        RequestReplies replies = await _mesh.RunAsync(request);

        Failed failed = Assert.IsType<Failed>(await replies.End);
        Assert.Equal(FailureCodes.InvalidRequest, failed.Code);
        Assert.False(failed.Retryable);
        Assert.Contains(message, failed.Message, StringComparison.Ordinal);
        Assert.Empty(replies.Chunks);
    }

    [Fact]
    public async Task A_decode_refuses_kv_whose_fingerprint_or_checksum_is_wrong_and_accepts_the_real_one()
    {
        int[] prompt = TinyModel.Prompt(seed: 6, count: 30);
        SamplingParameters sampling = Seeded(5);
        InferenceRequest request = Harness.Request(new TokenPrompt(prompt), sampling);
        MessageEnvelope e = request.Envelope;
        // Straight to the prefill worker, behind the scheduler's back (it ignores results of requests it does not know).
        await _mesh.Bus.PublishAsync(Topics.ForWorker(Topics.Prefill, new WorkerId("prefill-0")), new PrefillTask(e, TinyModel.Name, prompt, sampling));
        PrefillDone done = await StageObserver.WaitForAsync(_mesh.Stages.PrefillDone, e.RequestId, TimeSpan.FromSeconds(30));
        DecodeTask Decode(KvRef kv, int attempt) => new(e with { Attempt = attempt }, TinyModel.Name, kv, done.FirstToken, 1, sampling, Harness.ReplyTopic,
            [], 0, done.PromptTokenCount, done.CachedTokenCount);
        string decodeTopic = Topics.ForWorker(Topics.Decode, new WorkerId("decode-0"));

        await _mesh.Bus.PublishAsync(decodeTopic, Decode(done.Kv with { ModelFingerprint = "0123abcd" }, attempt: 1));
        await _mesh.Bus.PublishAsync(decodeTopic, Decode(done.Kv with { Checksum = "xxh64:0000000000000001" }, attempt: 2));
        await _mesh.Bus.PublishAsync(decodeTopic, Decode(done.Kv, attempt: 3));

        RequestReplies replies = _mesh.Replies.For(e.RequestId);
        Completed completed = Assert.IsType<Completed>(await replies.End.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, completed.Envelope.Attempt);
        Assert.Equal(model.Reference(prompt, SamplingMapper.ToEngine(sampling)).Ids, replies.TokenIds);
        Failed[] refused = [.. _mesh.Stages.Failures.Where(f => f.Envelope.RequestId == e.RequestId).OrderBy(f => f.Envelope.Attempt)];
        Assert.Equal([1, 2], refused.Select(f => f.Envelope.Attempt));
        Assert.All(refused, f =>
        {
            Assert.Equal(FailureCodes.KvMismatch, f.Code);
            Assert.True(f.Retryable);
            Assert.Equal(new WorkerId("decode-0"), f.Worker);
        });
        Assert.Contains("fingerprint", refused[0].Message, StringComparison.Ordinal);
        Assert.Contains("checksum", refused[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_request_stops_decoding_and_completes_as_cancelled()
    {
        int[] prompt = TinyModel.Prompt(seed: 8, count: 12);
        InferenceRequest request = Harness.Request(new TokenPrompt(prompt), Seeded(2000));
        RequestReplies replies = _mesh.Replies.For(request.Envelope.RequestId);
        // The decode engine is held still before its first step with the request's sequence in it (KV imported), so the
        // cancel finds the sequence running. Holding it once the test had seen two tokens streamed lost a race in CI: the
        // replies reach the test far behind the engine (~900 tokens on a quiet machine), so under load all 2000 tokens
        // were generated, the request ended and the cancel found nothing to stop; so did starting the watch below only
        // once the test had seen the prefill finish (the tiny model decodes 2000 tokens in well under a second). Now,
        // before the request is sent, a command on decode-0's loop waits a millisecond and puts itself back in the queue
        // until the sequence is there: the loop takes every queued command before a step, so none runs in between.
        EngineWorker decode = await _mesh.WorkerAsync("decode-0");
        using var hold = new SemaphoreSlim(0);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        Task<bool> HoldOnceRunning() => decode.Host.InvokeAsync(session =>
        {
            if (session.Load().DecodeSequences == 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(1);
                _ = HoldOnceRunning();
                return false;
            }
            holding.TrySetResult();
            return hold.Wait(TimeSpan.FromSeconds(30));
        });
        _ = HoldOnceRunning();
        await _mesh.Bus.PublishAsync(Topics.Requests, request);
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(40));
        Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30),
            $"the request's sequence never reached decode-0's engine; the mesh's log about it:{Environment.NewLine}{_mesh.LogAbout(request.Envelope.RequestId.ToString())}");

        await _mesh.Bus.PublishAsync(Topics.Cancellations, new CancelRequest(request.Envelope, "client went away"));
        // seen once in CI before the hold above: no cancel reached decode-0 within 10 s; if it happens again, say what the
        // mesh did with the request
        var forwarding = System.Diagnostics.Stopwatch.StartNew();
        while (_decodeCancels.Count == 0 && forwarding.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(5);
        if (_decodeCancels.Count == 0)
            Assert.Fail($"no cancel reached decode-0 within 20 s; {replies.TokenIds.Length} tokens streamed; failures: " +
                string.Join(", ", _mesh.Stages.Failures.Where(f => f.Envelope.RequestId == request.Envelope.RequestId)
                    .Select(f => $"attempt {f.Envelope.Attempt} {f.Code} on {f.Worker}: {f.Message}")) +
                $"; the mesh's log about it:{Environment.NewLine}{_mesh.LogAbout(request.Envelope.RequestId.ToString())}" +
                $"{Environment.NewLine}and about decode-0:{Environment.NewLine}{_mesh.LogAbout("decode-0")}");
        // the worker's own delivery of the cancel queues it on the held engine loop, which takes it before its next
        // step (a fixed 100 ms wait lost that race under load once decoding got faster: the sequence ran to its length)
        var queued = System.Diagnostics.Stopwatch.StartNew();
        while (decode.Host.QueuedCommands == 0 && queued.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(5);
        Assert.True(decode.Host.QueuedCommands > 0, "the decode worker never queued the cancel on its engine loop");
        hold.Release();

        Completed completed = Assert.IsType<Completed>(await replies.End.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(FinishReason.Cancelled, completed.FinishReason);
        Assert.All(replies.Chunks, c => Assert.Null(c.FinishReason));
        // seen once in CI under load with 0 here: say which attempts streamed and what failed, to tell the race apart
        string story = $"completed attempt {completed.Envelope.Attempt}; chunks by attempt " +
            string.Join(", ", replies.Chunks.GroupBy(c => c.Envelope.Attempt).Select(g => $"{g.Key}: {g.Count()}")) + "; failures: " +
            string.Join(", ", _mesh.Stages.Failures.Where(f => f.Envelope.RequestId == request.Envelope.RequestId)
                .Select(f => $"attempt {f.Envelope.Attempt} {f.Code} on {f.Worker}: {f.Message}"));
        Assert.True(completed.Usage.CompletionTokens is >= 1 and <= 1999, $"{completed.Usage.CompletionTokens} completion tokens; {story}");
        Assert.Equal(replies.TokenIds.Length, completed.Usage.CompletionTokens);
        Assert.Equal(model.Reference(prompt, SamplingMapper.ToEngine(Seeded(2000))).Ids[..replies.TokenIds.Length], replies.TokenIds);
    }

    [Fact]
    public async Task An_openai_completion_over_http_gives_the_text_of_a_plain_engine_run()
    {
        const string text = "Once upon a time there was a little dog";
        using LoadedModel loaded = ModelLoader.Load(model.Path);
        int[] ids = loaded.Tokenizer.Encode(text, loaded.Tokenizer.AddBos);
        GenerationResult expected = model.Reference(ids, new SamplingParams { Temperature = 0, MaxTokens = 10, IgnoreEos = true });

        using HttpResponseMessage response = await _mesh.Http.PostAsync("/v1/completions", new StringContent(
            $$"""{"model":"{{TinyModel.Name}}","prompt":"{{text}}","max_tokens":10,"temperature":0,"ignore_eos":true}""",
            System.Text.Encoding.UTF8, "application/json"));

        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using JsonDocument json = JsonDocument.Parse(body);
        JsonElement choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal(expected.Text, choice.GetProperty("text").GetString());
        Assert.Equal(ids.Length, json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(10, json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }
}
