using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Tests.Support;

/// <summary>
/// Stands in for the scheduler on the bus: subscribed (as the scheduler's group) to <c>mesh.requests</c> and
/// <c>mesh.cancellations</c>, it records what arrives and answers each request with the replies its
/// <see cref="Script"/> returns, published on the request's reply topic in the order given.
/// </summary>
internal sealed class FakeScheduler
{
    public static readonly SubscriptionOptions Group = new() { Group = AppIds.Scheduler };

    private IMeshBus? _bus;

    /// <summary>Replies for a request; by default "Hello" in two chunks per choice.</summary>
    public Func<InferenceRequest, IReadOnlyList<ReplyMessage>> Script { get; set; } = r => ScriptedReplies.Text(r, FinishReason.Stop, "Hel", "lo");

    public MessageLog<InferenceRequest> Requests { get; } = new();

    public MessageLog<CancelRequest> Cancellations { get; } = new();

    public void Attach(IMeshBus bus) => _bus = bus;

    public async Task<HandlerResult> OnRequestAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReplyMessage> replies = Script(request);
        Requests.Add(request);
        await PublishAsync(request, replies);
        return HandlerResult.Success;
    }

    public Task<HandlerResult> OnCancelAsync(CancelRequest cancel, CancellationToken cancellationToken)
    {
        Cancellations.Add(cancel);
        return Task.FromResult(HandlerResult.Success);
    }

    /// <summary>Publishes replies on <paramref name="request"/>'s reply topic (for tests that answer late).</summary>
    public async Task PublishAsync(InferenceRequest request, IEnumerable<ReplyMessage> replies)
    {
        IMeshBus bus = _bus ?? throw new InvalidOperationException("Attach the bus first.");
        foreach (ReplyMessage reply in replies) await bus.PublishAsync<ReplyMessage>(request.ReplyTopic, reply);
    }
}
