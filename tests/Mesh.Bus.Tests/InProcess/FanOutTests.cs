using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Bus.Tests;

/// <summary>Consumer groups: every group gets each message once; members of one group compete.</summary>
public sealed class FanOutTests
{
    [Fact]
    public async Task Every_group_receives_each_message_once_and_members_of_a_group_share_the_messages()
    {
        const int Count = 20;
        var scheduler = new MessageLog<string>();
        var decodeA = new MessageLog<string>();
        var decodeB = new MessageLog<string>();
        var bothDecodeMembersBusy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int decodeMembersStarted = 0;

        // Each decode member holds its first message until the other member has one too: that is only
        // possible if the group's messages are shared between the members.
        async Task<HandlerResult> Decode(MessageLog<string> log, CancelRequest m, bool[] first)
        {
            log.Add(m.Envelope.RequestId.Value);
            if (first[0])
            {
                first[0] = false;
                if (Interlocked.Increment(ref decodeMembersStarted) == 2) bothDecodeMembersBusy.TrySetResult();
                await bothDecodeMembersBusy.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
            return HandlerResult.Success;
        }

        bool[] firstA = [true], firstB = [true];
        var decode = new SubscriptionOptions { Group = AppIds.Decode };
        await using BusHost host = await BusHost.StartAsync(bus => bus
            .Subscribe<CancelRequest>(Topics.Cancellations, (m, _) => { scheduler.Add(m.Envelope.RequestId.Value); return Task.FromResult(HandlerResult.Success); },
                new SubscriptionOptions { Group = AppIds.Scheduler })
            .Subscribe<CancelRequest>(Topics.Cancellations, (m, _) => Decode(decodeA, m, firstA), decode)
            .Subscribe<CancelRequest>(Topics.Cancellations, (m, _) => Decode(decodeB, m, firstB), decode));
        string[] ids = [.. Enumerable.Range(0, Count).Select(i => $"r{i}")];

        foreach (string id in ids) await host.Bus.PublishAsync(Topics.Cancellations, Messages.Cancel(id));
        await scheduler.WaitForAsync(Count);
        await WaitForSumAsync(decodeA, decodeB, Count);

        Assert.Equal(ids, scheduler.Entries);
        Assert.NotEmpty(decodeA.Entries);
        Assert.NotEmpty(decodeB.Entries);
        Assert.Empty(decodeA.Entries.Intersect(decodeB.Entries));
        Assert.Equal(ids.Order(), decodeA.Entries.Concat(decodeB.Entries).Order());
    }

    [Fact]
    public async Task A_topic_without_subscribers_accepts_and_discards()
    {
        await using BusHost host = await BusHost.StartAsync(_ => { });

        await host.Bus.PublishAsync(Topics.KvEvents, new KvCacheCleared(new WorkerId("w"), 1, DateTimeOffset.UnixEpoch));
    }

    private static async Task WaitForSumAsync(MessageLog<string> a, MessageLog<string> b, int total)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(10);
        while (a.Count + b.Count < total)
        {
            Assert.True(DateTime.UtcNow < giveUp, $"Expected {total} deliveries, saw {a.Count + b.Count}.");
            await Task.Delay(5);
        }
    }
}
