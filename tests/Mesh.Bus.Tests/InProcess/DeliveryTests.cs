using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Bus.Tests;

/// <summary>At-least-once delivery: retry, exceptions, delivery limit, drop, duplicates.</summary>
public sealed class DeliveryTests
{
    private static readonly string DeadLetters = Topics.DeadLetterFor(Topics.Prefill);

    [Fact]
    public async Task Retry_redelivers_the_same_message_until_the_handler_succeeds()
    {
        var seen = new MessageLog<PrefillTask>();
        var deadLettered = new MessageLog<PrefillTask>();
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (m, _) =>
            {
                seen.Add(m);
                return Task.FromResult(seen.Count < 3 ? HandlerResult.Retry : HandlerResult.Success);
            })
            .Subscribe<PrefillTask>(DeadLetters, (m, _) => { deadLettered.Add(m); return Task.FromResult(HandlerResult.Success); }));
        PrefillTask task = Messages.Prefill("r1");

        await host.Bus.PublishAsync(Topics.Prefill, task);
        await seen.WaitForAsync(3);

        Assert.All(seen.Entries, m => Assert.Same(task, m));
        Assert.Equal(0, deadLettered.Count);
    }

    [Fact]
    public async Task A_throwing_handler_is_retried()
    {
        var seen = new MessageLog<CancelRequest>();
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<CancelRequest>(Topics.Cancellations, (m, _) =>
            {
                seen.Add(m);
                return seen.Count == 1 ? throw new InvalidOperationException("transient") : Task.FromResult(HandlerResult.Success);
            }));

        await host.Bus.PublishAsync(Topics.Cancellations, Messages.Cancel("r1"));
        await seen.WaitForAsync(2);

        Assert.Equal(["r1", "r1"], seen.Entries.Select(m => m.Envelope.RequestId.Value));
    }

    [Fact]
    public async Task A_message_that_keeps_failing_goes_to_the_dead_letter_topic_after_the_delivery_limit()
    {
        var seen = new MessageLog<PrefillTask>();
        var deadLettered = new MessageLog<PrefillTask>();
        await using BusHost host = await BusHost.StartAsync(
            bus => bus
                .Subscribe<PrefillTask>(Topics.Prefill, (m, _) => { seen.Add(m); return Task.FromResult(HandlerResult.Retry); })
                .Subscribe<PrefillTask>(DeadLetters, (m, _) => { deadLettered.Add(m); return Task.FromResult(HandlerResult.Success); }),
            new Dictionary<string, string?> { ["Mesh:Bus:MaxDeliveryCount"] = "3" });
        PrefillTask task = Messages.Prefill("poison");

        await host.Bus.PublishAsync(Topics.Prefill, task);
        await deadLettered.WaitForAsync(1);

        Assert.Equal(3, seen.Count);
        Assert.Same(task, Assert.Single(deadLettered.Entries));
    }

    [Fact]
    public async Task Drop_sends_the_message_to_the_dead_letter_topic_without_redelivery()
    {
        var seen = new MessageLog<PrefillTask>();
        var deadLettered = new MessageLog<PrefillTask>();
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (m, _) => { seen.Add(m); return Task.FromResult(HandlerResult.Drop); })
            .Subscribe<PrefillTask>(DeadLetters, (m, _) => { deadLettered.Add(m); return Task.FromResult(HandlerResult.Success); }));

        await host.Bus.PublishAsync(Topics.Prefill, Messages.Prefill("bad"));
        await deadLettered.WaitForAsync(1);

        Assert.Equal(1, seen.Count);
    }

    [Fact]
    public async Task A_custom_dead_letter_topic_is_honoured()
    {
        var deadLettered = new MessageLog<CancelRequest>();
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<CancelRequest>(Topics.Cancellations, (_, _) => Task.FromResult(HandlerResult.Drop), new SubscriptionOptions { DeadLetterTopic = "mesh.poison" })
            .Subscribe<CancelRequest>("mesh.poison", (m, _) => { deadLettered.Add(m); return Task.FromResult(HandlerResult.Success); }));

        await host.Bus.PublishAsync(Topics.Cancellations, Messages.Cancel("r9"));
        await deadLettered.WaitForAsync(1);

        Assert.Equal("r9", deadLettered.Entries[0].Envelope.RequestId.Value);
    }

    [Fact]
    public async Task A_duplicate_of_a_handled_request_message_is_acknowledged_without_running_the_handler()
    {
        var seen = new MessageLog<PrefillTask>();
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<PrefillTask>(Topics.Prefill, (m, _) => { seen.Add(m); return Task.FromResult(HandlerResult.Success); }));

        await host.Bus.PublishAsync(Topics.Prefill, Messages.Prefill("dup"));
        await host.Bus.PublishAsync(Topics.Prefill, Messages.Prefill("dup"));
        await host.Bus.PublishAsync(Topics.Prefill, Messages.Prefill("dup", attempt: 1));
        await host.Bus.PublishAsync(Topics.Prefill, Messages.Prefill("sentinel"));
        await seen.WaitForAsync(3);

        Assert.Equal(["dup/0", "dup/1", "sentinel/0"], seen.Entries.Select(m => $"{m.Envelope.RequestId}/{m.Envelope.Attempt}"));
    }

    [Fact]
    public async Task A_suspension_at_the_tokens_of_the_last_checkpoint_is_delivered_not_taken_for_its_duplicate()
    {
        // a preempted sequence that did not step since its periodic checkpoint is saved again, now suspended, with the
        // same tokens: dropping that as a duplicate left the scheduler waiting for the suspension forever
        var seen = new MessageLog<DecodeCheckpoint>();
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<DecodeCheckpoint>(Topics.DecodeCheckpoints, (m, _) => { seen.Add(m); return Task.FromResult(HandlerResult.Success); }));

        await host.Bus.PublishAsync(Topics.DecodeCheckpoints, Messages.Checkpoint("c1", tokens: 3, suspended: false));
        await host.Bus.PublishAsync(Topics.DecodeCheckpoints, Messages.Checkpoint("c1", tokens: 3, suspended: true));
        await host.Bus.PublishAsync(Topics.DecodeCheckpoints, Messages.Checkpoint("c1", tokens: 3, suspended: true));
        await host.Bus.PublishAsync(Topics.DecodeCheckpoints, Messages.Checkpoint("sentinel", tokens: 1, suspended: false));
        await seen.WaitForAsync(3);

        Assert.Equal(["c1 False", "c1 True", "sentinel False"], seen.Entries.Select(m => $"{m.Envelope.RequestId} {m.Suspended}"));
    }
}
