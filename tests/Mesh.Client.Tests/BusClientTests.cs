using Mesh.Contracts;
using Microsoft.Extensions.Hosting;

namespace Mesh.Client.Tests;

/// <summary><see cref="MeshBusClient"/> on the in-process bus, answered by a fake scheduler.</summary>
public sealed class BusClientTests
{
    private static readonly Prompt Hi = new ChatPrompt([new("user", "Hi")]);

    [Fact]
    public async Task A_request_goes_out_on_mesh_requests_and_its_answer_is_collected()
    {
        await using BusHost host = await BusHost.StartAsync();
        InferenceRequest request = host.Client.CreateRequest("tiny", Hi, new SamplingParameters(MaxTokens: 8, Temperature: 0));

        MeshCompletion answer = await host.Client.CompleteAsync(request);

        InferenceRequest sent = host.Scheduler.Requests.Single();
        Assert.Equal(request, sent);
        Assert.Equal("mesh.replies.batch-client", sent.ReplyTopic);
        Assert.Equal(host.Client.ReplyTopic, sent.ReplyTopic);
        Assert.Matches("^req-[0-9a-f]{32}$", sent.Envelope.RequestId.Value);
        Assert.Equal((0, Priority.Online, "default"), (sent.Envelope.Attempt, sent.Envelope.Priority, sent.Envelope.TenantId.Value));
        Assert.True(sent.Stream);
        Assert.Equal(request.Envelope.RequestId, answer.RequestId);
        MeshChoice choice = Assert.Single(answer.Choices);
        Assert.Equal(("Hello", FinishReason.Stop), (choice.Text, choice.FinishReason));
        Assert.Equal([100, 101], choice.TokenIds);
        Assert.Equal(new Usage(5, 2, 2), choice.Usage);
        Assert.Null(choice.Logprobs);
        Assert.Equal(0, host.Client.PendingCount);
    }

    [Fact]
    public async Task Repeated_and_reordered_chunks_are_delivered_once_in_sequence_order()
    {
        await using BusHost host = await BusHost.StartAsync();
        host.Scheduler.Script = r =>
        [
            ScriptedReplies.Chunk(r, 0, 2, "c"),
            ScriptedReplies.Done(r, 0, FinishReason.Stop, 3, 4),
            ScriptedReplies.Chunk(r, 0, 0, "a"),
            ScriptedReplies.Chunk(r, 0, 0, "a", attempt: 1),
            ScriptedReplies.Chunk(r, 0, 3, "d", finish: FinishReason.Stop),
            ScriptedReplies.Chunk(r, 0, 2, "c", attempt: 1),
            ScriptedReplies.Chunk(r, 0, 1, "b"),
            ScriptedReplies.Chunk(r, 0, 3, "d", finish: FinishReason.Stop, attempt: 1),
        ];

        await using MeshReplyStream replies = await host.Client.SubmitAsync(host.Client.CreateRequest("tiny", Hi));
        List<ReplyMessage> seen = [];
        await foreach (ReplyMessage reply in replies.ReadAllAsync()) seen.Add(reply);

        Assert.Equal(["a", "b", "c", "d"], seen.OfType<TokenChunk>().Select(c => c.TextDelta));
        Assert.Equal([0L, 1, 2, 3], seen.OfType<TokenChunk>().Select(c => c.Sequence));
        Assert.IsType<Completed>(seen[^1]);
        Assert.Equal(5, seen.Count);
    }

    [Fact]
    public async Task Choices_are_ordered_each_on_its_own_and_complete_after_their_chunks()
    {
        await using BusHost host = await BusHost.StartAsync();
        host.Scheduler.Script = r =>
        [
            ScriptedReplies.Chunk(r, 1, 1, "y", finish: FinishReason.Length),
            ScriptedReplies.Chunk(r, 0, 1, "b"),
            ScriptedReplies.Done(r, 1, FinishReason.Length, 5, 2),
            ScriptedReplies.Chunk(r, 1, 0, "x"),
            ScriptedReplies.Chunk(r, 0, 0, "a"),
            ScriptedReplies.Done(r, 0, FinishReason.Stop, 5, 3),
            ScriptedReplies.Chunk(r, 0, 2, "c", finish: FinishReason.Stop),
        ];
        InferenceRequest request = host.Client.CreateRequest("tiny", Hi, new SamplingParameters(N: 2));

        await using MeshReplyStream replies = await host.Client.SubmitAsync(request);
        List<ReplyMessage> seen = [];
        await foreach (ReplyMessage reply in replies.ReadAllAsync()) seen.Add(reply);

        Assert.Equal(["a", "b", "c"], seen.OfType<TokenChunk>().Where(c => c.ChoiceIndex == 0).Select(c => c.TextDelta));
        Assert.Equal(["x", "y"], seen.OfType<TokenChunk>().Where(c => c.ChoiceIndex == 1).Select(c => c.TextDelta));
        foreach (int choice in new[] { 0, 1 })
        {
            int done = seen.FindIndex(m => m is Completed c && c.ChoiceIndex == choice);
            int lastChunk = seen.FindLastIndex(m => m is TokenChunk c && c.ChoiceIndex == choice);
            Assert.True(done > lastChunk, $"choice {choice} completed before its last chunk");
        }
        Assert.Equal(2, seen.OfType<Completed>().Count());
    }

    [Fact]
    public async Task A_choice_without_a_final_chunk_completes_when_its_tokens_are_all_through()
    {
        await using BusHost host = await BusHost.StartAsync();
        host.Scheduler.Script = r =>
        [
            ScriptedReplies.Done(r, 0, FinishReason.Stop, 5, 3),
            ScriptedReplies.Chunk(r, 0, 1, "b", [2]),
            ScriptedReplies.Chunk(r, 0, 0, "a", [1]),
            ScriptedReplies.Chunk(r, 0, 2, "c", [3]),
        ];

        MeshCompletion answer = await host.Client.CompleteAsync(host.Client.CreateRequest("tiny", Hi));

        Assert.Equal("abc", answer.Text);
        Assert.Equal([1, 2, 3], answer.Choices[0].TokenIds);
    }

    [Fact]
    public async Task A_failure_ends_the_stream_with_its_code()
    {
        await using BusHost host = await BusHost.StartAsync();
        host.Scheduler.Script = r => [ScriptedReplies.Chunk(r, 0, 0, "a"), ScriptedReplies.Fail(r, FailureCodes.KvMismatch, "layout changed", retryable: true)];

        await using MeshReplyStream replies = await host.Client.SubmitAsync(host.Client.CreateRequest("tiny", Hi));
        List<string> seen = [];
        var error = await Assert.ThrowsAsync<MeshRequestFailedException>(async () =>
        {
            await foreach (ReplyMessage reply in replies.ReadAllAsync()) seen.Add(((TokenChunk)reply).TextDelta);
        });

        Assert.Equal(["a"], seen);
        Assert.Equal((FailureCodes.KvMismatch, "layout changed", true), (error.Code, error.Reason, error.Retryable));
        Assert.Equal(replies.RequestId, error.RequestId);
        Assert.Contains("kv_mismatch", error.Message);
    }

    [Fact]
    public async Task Leaving_a_stream_unfinished_cancels_the_request_in_the_mesh()
    {
        await using BusHost host = await BusHost.StartAsync();
        host.Scheduler.Script = r => [ScriptedReplies.Chunk(r, 0, 0, "a", attempt: 2), ScriptedReplies.Chunk(r, 0, 1, "b", attempt: 2)];

        MeshReplyStream replies = await host.Client.SubmitAsync(host.Client.CreateRequest("tiny", Hi));
        await foreach (ReplyMessage _ in replies.ReadAllAsync()) break;
        await replies.DisposeAsync();
        await host.Scheduler.Cancellations.WaitForAsync(1);

        CancelRequest cancel = host.Scheduler.Cancellations.Single();
        Assert.Equal(replies.RequestId, cancel.Envelope.RequestId);
        Assert.Equal(2, cancel.Envelope.Attempt);
        Assert.Equal("the client stopped reading", cancel.Reason);
        Assert.Equal(0, host.Client.PendingCount);
    }

    [Fact]
    public async Task A_finished_stream_cancels_nothing()
    {
        await using BusHost host = await BusHost.StartAsync();

        await host.Client.CompleteAsync(host.Client.CreateRequest("tiny", Hi));
        await host.Client.CompleteAsync(host.Client.CreateRequest("tiny", Hi));

        Assert.Equal(2, host.Scheduler.Requests.Count);
        Assert.Equal(0, host.Scheduler.Cancellations.Count);
    }

    [Fact]
    public async Task No_final_reply_by_the_deadline_is_deadline_exceeded_and_cancels()
    {
        await using BusHost host = await BusHost.StartAsync(new MeshClientOptions { ClientId = "slow", RequestTimeout = TimeSpan.FromMilliseconds(300) });
        host.Scheduler.Script = r => [ScriptedReplies.Chunk(r, 0, 0, "a")];

        MeshReplyStream replies = await host.Client.SubmitAsync(host.Client.CreateRequest("tiny", Hi));
        var error = await Assert.ThrowsAsync<MeshRequestFailedException>(() => replies.CollectAsync());
        await replies.DisposeAsync();
        await host.Scheduler.Cancellations.WaitForAsync(1);

        Assert.Equal(FailureCodes.DeadlineExceeded, error.Code);
        Assert.Equal("deadline passed at the client", host.Scheduler.Cancellations.Single().Reason);
    }

    [Fact]
    public async Task A_full_reply_queue_asks_the_bus_to_redeliver_and_nothing_is_lost()
    {
        await using BusHost host = await BusHost.StartAsync(new MeshClientOptions { ClientId = "small-buffer", ReplyBufferCapacity = 2 });
        string[] pieces = ["a", "b", "c", "d", "e", "f", "g", "h"];
        host.Scheduler.Script = r => ScriptedReplies.Text(r, FinishReason.Stop, pieces);

        await using MeshReplyStream replies = await host.Client.SubmitAsync(host.Client.CreateRequest("tiny", Hi));
        await host.Scheduler.Requests.WaitForAsync(1);
        MeshCompletion answer = await replies.CollectAsync();

        Assert.Equal("abcdefgh", answer.Text);
    }

    [Fact]
    public async Task A_request_for_another_reply_topic_or_a_reused_stream_is_refused()
    {
        await using BusHost host = await BusHost.StartAsync();
        InferenceRequest request = host.Client.CreateRequest("tiny", Hi);

        var topic = await Assert.ThrowsAsync<ArgumentException>(() => host.Client.SubmitAsync(request with { ReplyTopic = "mesh.replies.someone-else" }));
        await using MeshReplyStream replies = await host.Client.SubmitAsync(request);
        await replies.CollectAsync();
        var again = await Assert.ThrowsAsync<InvalidOperationException>(() => replies.CollectAsync());

        Assert.Contains("mesh.replies.batch-client", topic.Message);
        Assert.Contains("one reader", again.Message);
        Assert.Equal(1, host.Scheduler.Requests.Count);
    }

    [Fact]
    public void Options_and_registration_are_checked()
    {
        Assert.Throws<ArgumentException>(() => new MeshClientOptions { ClientId = "Has Spaces" }.Validate());
        Assert.Throws<ArgumentException>(() => new MeshClientOptions { ClientId = new string('a', 101) }.Validate());
        Assert.Throws<ArgumentException>(() => new MeshClientOptions { ClientId = "ok", RequestTimeout = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentException>(() => new MeshClientOptions { ClientId = "ok", ReplyBufferCapacity = 0 }.Validate());
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.AddMeshBusClient("first");
        Assert.Throws<InvalidOperationException>(() => builder.AddMeshBusClient("second"));
    }
}
