using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Bus.Tests;

/// <summary>Backpressure, ordering, type checks and shutdown of the in-process bus.</summary>
public sealed class FlowTests
{
    [Fact]
    public async Task Publishing_waits_while_a_group_queue_is_full()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new MessageLog<string>();
        await using BusHost host = await BusHost.StartAsync(
            bus => bus.Subscribe<CancelRequest>(Topics.Cancellations, async (m, ct) =>
            {
                entered.TrySetResult();
                await release.Task.WaitAsync(ct);
                handled.Add(m.Envelope.RequestId.Value);
                return HandlerResult.Success;
            }),
            new Dictionary<string, string?> { ["Mesh:Bus:ChannelCapacity"] = "2" });

        await host.Bus.PublishAsync(Topics.Cancellations, Messages.Cancel("m1"));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));             // m1 is in the handler
        await host.Bus.PublishAsync(Topics.Cancellations, Messages.Cancel("m2")); // queue: m2
        await host.Bus.PublishAsync(Topics.Cancellations, Messages.Cancel("m3")); // queue: m2 m3 (full)
        using var patience = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => host.Bus.PublishAsync(Topics.Cancellations, Messages.Cancel("m4"), patience.Token));
        release.SetResult();
        await handled.WaitForAsync(3);

        Assert.Equal(["m1", "m2", "m3"], handled.Entries);
    }

    [Fact]
    public async Task A_single_subscriber_sees_a_topic_in_publish_order()
    {
        var handled = new MessageLog<long>();
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<TokenChunk>("mesh.replies.order", (m, _) => { handled.Add(m.Sequence); return Task.FromResult(HandlerResult.Success); }),
            new Dictionary<string, string?> { ["Mesh:Bus:ChannelCapacity"] = "8" });

        for (long seq = 0; seq < 200; seq++)
            await host.Bus.PublishAsync("mesh.replies.order", new TokenChunk(Messages.Envelope("r"), 0, seq, [(int)seq], "t"));
        await handled.WaitForAsync(200);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), handled.Entries);
    }

    [Fact]
    public async Task A_reply_must_be_published_as_the_polymorphic_base_its_subscribers_read()
    {
        var replies = new MessageLog<ReplyMessage>();
        string topic = Topics.RepliesFor("gw-1");
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<ReplyMessage>(topic, (m, _) => { replies.Add(m); return Task.FromResult(HandlerResult.Success); }));
        var completed = new Completed(Messages.Envelope("r1"), 0, FinishReason.Stop, new Usage(3, 4, 0));

        MeshBusException refused = await Assert.ThrowsAsync<MeshBusException>(() => host.Bus.PublishAsync(topic, completed));
        await host.Bus.PublishAsync<ReplyMessage>(topic, completed);
        await replies.WaitForAsync(1);

        Assert.Contains("PublishAsync<ReplyMessage>", refused.Message);
        Assert.Same(completed, replies.Entries[0]);
    }

    [Fact]
    public async Task A_message_of_the_wrong_type_is_refused_naming_the_topic()
    {
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (_, _) => Task.FromResult(HandlerResult.Success)));

        MeshBusException refused = await Assert.ThrowsAsync<MeshBusException>(
            () => host.Bus.PublishAsync(Topics.Prefill, Messages.Cancel("r1")));

        Assert.Contains("mesh.prefill", refused.Message);
    }

    [Fact]
    public async Task Stopping_cancels_running_handlers_and_later_publishes_are_refused()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawCancellation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<CancelRequest>(Topics.Cancellations, async (_, ct) =>
            {
                entered.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    sawCancellation.TrySetResult();
                    throw;
                }
                return HandlerResult.Success;
            }));
        IMeshBus bus = host.Bus;
        await bus.PublishAsync(Topics.Cancellations, Messages.Cancel("long"));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await host.DisposeAsync();

        Assert.True(sawCancellation.Task.IsCompleted);
        await Assert.ThrowsAsync<MeshBusException>(() => bus.PublishAsync(Topics.Cancellations, Messages.Cancel("late")));
    }

    [Fact]
    public async Task A_stop_still_running_when_the_bus_is_disposed_ends_and_disposal_waits_for_it()
    {
        // A host stops its services for the caller of StopAsync and stops them again as it is disposed. The second stop
        // used to return at once and dispose the token source while the first was cancelling: the cancellation callbacks
        // (queued to the thread pool) then found no registrations, an idle consumer never woke, and the first stop hung
        // until the host's shutdown timeout. Every round here starts a stop and disposes straight after.
        for (int round = 0; round < 20; round++)
        {
            BusHost host = await BusHost.StartAsync(bus => bus
                .Subscribe<CancelRequest>(Topics.Cancellations, (_, _) => Task.FromResult(HandlerResult.Success)));
            var inProcess = (InProcessBus)host.Bus;
            Task first = inProcess.StopAsync(CancellationToken.None);
            await inProcess.DisposeAsync();

            Assert.True(first.IsCompleted, $"round {round}: disposal returned before the stop it raced with had ended");
            await first.WaitAsync(TimeSpan.FromSeconds(10));
            await host.DisposeAsync();
        }
    }
}
