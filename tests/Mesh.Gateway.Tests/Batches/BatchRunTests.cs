using System.Net;
using System.Text.Json;
using Mesh.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static Mesh.Gateway.Tests.BatchApi;

namespace Mesh.Gateway.Tests;

/// <summary>A batch from upload to its output file: every line answered, offline, with the batch's deadline.</summary>
public sealed class BatchRunTests
{
    /// <summary>The fake backend answers "echo:" followed by the line's user turn.</summary>
    private static IReadOnlyList<ReplyMessage> Echo(InferenceRequest r) => ScriptedReplies.Text(r, FinishReason.Stop, "echo:", Content(r));

    [Fact]
    public async Task Every_line_gets_its_answer_in_the_output_file_matched_by_custom_id()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        host.Backend.Script = Echo;
        string[] ids = ["req-1", "req-2", "req-3", "req-4", "req-5"];

        JsonElement created = await StartAsync(host.Client, Jsonl([.. ids.Select(id => ChatLine(id, "ask " + id))]));

        Assert.Equal("validating", created.GetProperty("status").GetString());
        Assert.StartsWith("batch_", created.GetProperty("id").GetString());
        JsonElement batch = await WaitForStatusAsync(host.Client, created.GetProperty("id").GetString()!, "completed");
        Assert.Equal(
            ["id", "object", "endpoint", "errors", "input_file_id", "completion_window", "status", "output_file_id", "error_file_id",
             "created_at", "in_progress_at", "expires_at", "finalizing_at", "completed_at", "failed_at", "expired_at",
             "cancelling_at", "cancelled_at", "request_counts", "metadata"],
            Http.Names(batch));
        Assert.Equal("batch", batch.GetProperty("object").GetString());
        Assert.Equal((5, 5, 0), (Count(batch, "total"), Count(batch, "completed"), Count(batch, "failed")));
        Assert.Equal(JsonValueKind.Null, batch.GetProperty("error_file_id").ValueKind);
        foreach (string stamp in new[] { "in_progress_at", "finalizing_at", "completed_at" })
            Assert.InRange(batch.GetProperty(stamp).GetInt64(), batch.GetProperty("created_at").GetInt64(), batch.GetProperty("expires_at").GetInt64());

        string outputId = batch.GetProperty("output_file_id").GetString()!;
        (HttpStatusCode status, JsonElement outputFile) = await GetAsync(host.Client, "/v1/files/" + outputId);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("batch_output", outputFile.GetProperty("purpose").GetString());
        List<JsonElement> lines = await LinesAsync(host.Client, outputId);
        Assert.Equal(ids, lines.Select(l => l.GetProperty("custom_id").GetString()));
        Assert.Equal(5, lines.Select(l => l.GetProperty("id").GetString()).Distinct().Count());
        foreach (JsonElement line in lines)
        {
            Assert.Equal(["id", "custom_id", "response", "error"], Http.Names(line));
            Assert.StartsWith("batch_req_", line.GetProperty("id").GetString());
            Assert.Equal(JsonValueKind.Null, line.GetProperty("error").ValueKind);
            JsonElement response = line.GetProperty("response");
            Assert.Equal(["status_code", "request_id", "body"], Http.Names(response));
            Assert.Equal(200, response.GetProperty("status_code").GetInt32());
            JsonElement body = response.GetProperty("body");
            Assert.Equal(["id", "object", "created", "model", "choices", "usage"], Http.Names(body));
            Assert.Equal(response.GetProperty("request_id").GetString(), body.GetProperty("id").GetString());
            Assert.Equal("chat.completion", body.GetProperty("object").GetString());
            Assert.Equal("echo:ask " + line.GetProperty("custom_id").GetString(), body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
            Assert.Equal(7, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        }
        Assert.Equal(5, host.Backend.Requests.Count);
    }

    [Fact]
    public async Task Lines_are_published_offline_with_the_batch_deadline_even_when_they_ask_for_online()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        host.Backend.Script = Echo;

        JsonElement created = await StartAsync(host.Client, Jsonl(ChatLine("a", "x"), ChatLine("b", "y", extra: ""","priority":"online" """)));
        await WaitForStatusAsync(host.Client, created.GetProperty("id").GetString()!, "completed");

        long createdAt = created.GetProperty("created_at").GetInt64();
        long expiresAt = created.GetProperty("expires_at").GetInt64();
        Assert.Equal(createdAt + 24 * 3600, expiresAt);
        Assert.Equal(2, host.Backend.Requests.Count);
        foreach (InferenceRequest request in host.Backend.Requests.Entries)
        {
            Assert.Equal(Priority.Offline, request.Envelope.Priority);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(expiresAt), request.Envelope.Deadline);
            Assert.Equal(0, request.Envelope.Attempt);
            Assert.Equal("default", request.Envelope.TenantId.Value);
            Assert.Equal("mesh.replies." + GatewayHost.InstanceId, request.ReplyTopic);
            Assert.False(request.Stream);
        }
    }

    [Fact]
    public async Task A_completions_batch_answers_text_completion_objects()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        string line = """{"custom_id":"t1","method":"POST","url":"/v1/completions","body":{"model":"other","prompt":"Once","max_tokens":3}}""";

        JsonElement created = await StartAsync(host.Client, Jsonl(line), endpoint: "/v1/completions");
        JsonElement batch = await WaitForStatusAsync(host.Client, created.GetProperty("id").GetString()!, "completed");

        InferenceRequest published = host.Backend.Requests.Single();
        Assert.Equal(new TextPrompt("Once"), published.Prompt);
        Assert.Equal(3, published.Sampling.MaxTokens);
        Assert.Equal("other", published.Model);
        JsonElement body = Assert.Single(await LinesAsync(host.Client, batch.GetProperty("output_file_id").GetString()!)).GetProperty("response").GetProperty("body");
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.StartsWith("cmpl-", body.GetProperty("id").GetString());
        Assert.Equal("Hello", body.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_line_the_mesh_fails_goes_to_the_error_file_with_the_status_the_endpoint_would_give()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        host.Backend.Script = r => Content(r) == "bad"
            ? [ScriptedReplies.Fail(r, FailureCodes.WorkerLost, "decode worker gone, retries spent")]
            : Echo(r);

        JsonElement created = await StartAsync(host.Client, Jsonl(ChatLine("ok", "good"), ChatLine("ko", "bad")));
        JsonElement batch = await WaitForStatusAsync(host.Client, created.GetProperty("id").GetString()!, "completed");

        Assert.Equal((2, 1, 1), (Count(batch, "total"), Count(batch, "completed"), Count(batch, "failed")));
        JsonElement error = Assert.Single(await LinesAsync(host.Client, batch.GetProperty("error_file_id").GetString()!));
        Assert.Equal("ko", error.GetProperty("custom_id").GetString());
        JsonElement response = error.GetProperty("response");
        Assert.Equal(500, response.GetProperty("status_code").GetInt32());
        Assert.StartsWith("chatcmpl-", response.GetProperty("request_id").GetString());
        JsonElement body = Http.AssertError(response.GetProperty("body"), "server_error", null, FailureCodes.WorkerLost);
        Assert.Equal("decode worker gone, retries spent", body.GetProperty("message").GetString());
        Assert.Equal(2, host.Backend.Requests.Count);
        Assert.Equal("ok", Assert.Single(await LinesAsync(host.Client, batch.GetProperty("output_file_id").GetString()!)).GetProperty("custom_id").GetString());
    }

    [Fact]
    public async Task A_line_turned_away_as_overloaded_is_submitted_again_under_a_new_id_until_it_runs()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings(("Gateway:Batches:RetryDelay", "00:00:00.010")));
        int turnedAway = 0;
        host.Backend.Script = r => Interlocked.Increment(ref turnedAway) <= 2 ? [ScriptedReplies.Fail(r, FailureCodes.Overloaded, "no capacity")] : Echo(r);

        string id = (await StartAsync(host.Client, Jsonl(ChatLine("busy", "wait for me")))).GetProperty("id").GetString()!;
        JsonElement batch = await WaitForStatusAsync(host.Client, id, "completed");

        Assert.Equal((1, 1, 0), (Count(batch, "total"), Count(batch, "completed"), Count(batch, "failed")));
        Assert.Equal(3, host.Backend.Requests.Count);
        Assert.Equal(3, host.Backend.Requests.Entries.Select(r => r.Envelope.RequestId).Distinct().Count());
        JsonElement response = Assert.Single(await LinesAsync(host.Client, batch.GetProperty("output_file_id").GetString()!)).GetProperty("response");
        Assert.Equal(host.Backend.Requests.Entries[2].Envelope.RequestId.Value, response.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task Cancel_stops_submitting_cancels_the_lines_in_flight_and_keeps_the_finished_ones()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings(("Gateway:Batches:MaxInFlight", "2")));
        // Lines 1 and 2 are answered; later lines are never answered, so they stay in flight.
        host.Backend.Script = r => Content(r) is "line 1" or "line 2" ? Echo(r) : [];
        string[] lines = [.. Enumerable.Range(1, 6).Select(i => ChatLine($"c{i}", $"line {i}"))];

        string id = (await StartAsync(host.Client, Jsonl(lines))).GetProperty("id").GetString()!;
        await WaitAsync(host.Client, id, b => Count(b, "completed") == 2, "2 completed lines");
        await host.Backend.Requests.WaitForAsync(4);

        (HttpStatusCode status, JsonElement cancelling) = await Http.PostAsync(host.Client, $"/v1/batches/{id}/cancel", "");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(cancelling.GetProperty("status").GetString(), new[] { "cancelling", "cancelled" });
        Assert.True(cancelling.GetProperty("cancelling_at").GetInt64() > 0);
        JsonElement batch = await WaitForStatusAsync(host.Client, id, "cancelled");

        await host.Backend.Cancellations.WaitForAsync(2);
        string[] inFlight = [.. host.Backend.Requests.Entries.Where(r => Content(r) is "line 3" or "line 4").Select(r => r.Envelope.RequestId.Value)];
        Assert.Equal(inFlight.Order(), host.Backend.Cancellations.Entries.Select(c => c.Envelope.RequestId.Value).Order());
        Assert.Equal(4, host.Backend.Requests.Count);
        Assert.Equal((6, 2, 0), (Count(batch, "total"), Count(batch, "completed"), Count(batch, "failed")));
        Assert.True(batch.GetProperty("cancelled_at").GetInt64() >= batch.GetProperty("cancelling_at").GetInt64());
        Assert.Equal(JsonValueKind.Null, batch.GetProperty("error_file_id").ValueKind);
        Assert.Equal(["c1", "c2"], (await LinesAsync(host.Client, batch.GetProperty("output_file_id").GetString()!)).Select(l => l.GetProperty("custom_id").GetString()));

        (status, JsonElement again) = await Http.PostAsync(host.Client, $"/v1/batches/{id}/cancel", "");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_finished_batch_cannot_be_cancelled()
    {
        using var folder = new BatchFolder();
        await using GatewayHost host = await GatewayHost.StartAsync(folder.Settings());
        string id = (await StartAsync(host.Client, Jsonl(ChatLine("a", "x")))).GetProperty("id").GetString()!;
        await WaitForStatusAsync(host.Client, id, "completed");

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(host.Client, $"/v1/batches/{id}/cancel", "");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Http.AssertError(body, "invalid_request_error", null, "invalid_state");
    }

    [Fact]
    public async Task A_restarted_gateway_resumes_the_batch_without_running_finished_lines_again()
    {
        using var folder = new BatchFolder();
        string id;
        await using (GatewayHost first = await GatewayHost.StartAsync(folder.Settings()))
        {
            first.Backend.Script = r => Content(r) is "line 1" or "line 2" or "line 3" ? Echo(r) : [];
            id = (await StartAsync(first.Client, Jsonl([.. Enumerable.Range(1, 6).Select(i => ChatLine($"r{i}", $"line {i}"))]))).GetProperty("id").GetString()!;
            await WaitAsync(first.Client, id, b => Count(b, "completed") == 3, "3 completed lines");
            await first.Backend.Requests.WaitForAsync(6);
        }

        // The second gateway resumes the batch as it starts, so its backend answers from the first request on.
        await using GatewayHost second = await GatewayHost.StartAsync(folder.Settings(), new FakeScheduler { Script = Echo });
        JsonElement batch = await WaitForStatusAsync(second.Client, id, "completed");

        Assert.Equal(["line 4", "line 5", "line 6"], second.Backend.Requests.Entries.Select(Content).Order());
        Assert.Equal((6, 6, 0), (Count(batch, "total"), Count(batch, "completed"), Count(batch, "failed")));
        List<JsonElement> output = await LinesAsync(second.Client, batch.GetProperty("output_file_id").GetString()!);
        Assert.Equal(["r1", "r2", "r3", "r4", "r5", "r6"], output.Select(l => l.GetProperty("custom_id").GetString()));
        Assert.All(output, l => Assert.Equal(
            "echo:line " + l.GetProperty("custom_id").GetString()![1..],
            l.GetProperty("response").GetProperty("body").GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()));
    }

    [Fact]
    public async Task A_stop_the_host_gave_up_waiting_for_leaves_the_batch_to_resume_not_failed()
    {
        // The host stops the batch runner with a deadline and disposes it after, whether or not the lines in flight
        // have unwound: a line that gives its slot back after that must not find the slot semaphore disposed (that
        // failed the whole batch, which then never resumed).
        using var folder = new BatchFolder();
        string id;
        await using (GatewayHost first = await GatewayHost.StartAsync(folder.Settings()))
        {
            first.Backend.Script = _ => [];   // no replies: every line stays in flight
            id = (await StartAsync(first.Client, Jsonl([.. Enumerable.Range(1, 4).Select(i => ChatLine($"r{i}", $"line {i}"))]))).GetProperty("id").GetString()!;
            await first.Backend.Requests.WaitForAsync(4);
            var runner = first.Services.GetRequiredService<Mesh.Gateway.Batches.BatchRunner>();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.StopAsync(new CancellationToken(canceled: true)));
            runner.Dispose();
        }

        await using GatewayHost second = await GatewayHost.StartAsync(folder.Settings(), new FakeScheduler { Script = Echo });
        JsonElement batch = await WaitForStatusAsync(second.Client, id, "completed");
        Assert.Equal((4, 4, 0), (Count(batch, "total"), Count(batch, "completed"), Count(batch, "failed")));
    }

    [Fact]
    public async Task A_batch_past_its_window_when_the_gateway_starts_expires_with_an_error_line_per_unfinished_line()
    {
        using var folder = new BatchFolder();
        string id;
        await using (GatewayHost first = await GatewayHost.StartAsync(folder.Settings()))
        {
            first.Backend.Script = r => Content(r) == "line 1" ? Echo(r) : [];
            id = (await StartAsync(first.Client, Jsonl([.. Enumerable.Range(1, 3).Select(i => ChatLine($"r{i}", $"line {i}"))]))).GetProperty("id").GetString()!;
            await WaitAsync(first.Client, id, b => Count(b, "completed") == 1, "1 completed line");
            await first.Backend.Requests.WaitForAsync(3);
        }
        // The gateway was down past the batch's window: move its expiry into the past, as the clock would.
        string state = Path.Combine(folder.Path, "batches", id + ".json");
        var stored = JsonSerializer.Deserialize(File.ReadAllBytes(state), Batches.BatchJsonContext.Default.StoredBatch)!;
        stored = stored with { Batch = stored.Batch with { ExpiresAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60 } };
        File.WriteAllBytes(state, JsonSerializer.SerializeToUtf8Bytes(stored, Batches.BatchJsonContext.Default.StoredBatch));

        await using GatewayHost second = await GatewayHost.StartAsync(folder.Settings(), new FakeScheduler { Script = Echo });
        JsonElement batch = await WaitForStatusAsync(second.Client, id, "expired");

        Assert.Equal(0, second.Backend.Requests.Count);
        Assert.Equal((3, 1, 2), (Count(batch, "total"), Count(batch, "completed"), Count(batch, "failed")));
        Assert.True(batch.GetProperty("expired_at").GetInt64() > 0);
        Assert.Equal("r1", Assert.Single(await LinesAsync(second.Client, batch.GetProperty("output_file_id").GetString()!)).GetProperty("custom_id").GetString());
        List<JsonElement> errors = await LinesAsync(second.Client, batch.GetProperty("error_file_id").GetString()!);
        Assert.Equal(["r2", "r3"], errors.Select(e => e.GetProperty("custom_id").GetString()));
        Assert.All(errors, e =>
        {
            Assert.Equal(JsonValueKind.Null, e.GetProperty("response").ValueKind);
            Assert.Equal("batch_expired", e.GetProperty("error").GetProperty("code").GetString());
        });
    }
}
