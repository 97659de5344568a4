using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Gateway.Tests;

/// <summary>
/// Stands in for the scheduler at the bus boundary: records every <see cref="InferenceRequest"/> and
/// <see cref="CancelRequest"/>, and answers each request with the replies its <see cref="Script"/> returns,
/// published on the request's reply topic in the order given.
/// </summary>
internal sealed class FakeBackend
{
    private IMeshBus? _bus;

    /// <summary>Replies for a request; the default answers "Hello" in two chunks.</summary>
    public Func<InferenceRequest, IReadOnlyList<ReplyMessage>> Script { get; set; } =
        r => Reply.Text(r, FinishReason.Stop, "Hel", "lo");

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

    /// <summary>Publishes replies to <paramref name="request"/>'s reply topic (tests that reply late).</summary>
    public async Task PublishAsync(InferenceRequest request, IEnumerable<ReplyMessage> replies)
    {
        IMeshBus bus = _bus ?? throw new InvalidOperationException("Attach the bus first.");
        foreach (ReplyMessage reply in replies) await bus.PublishAsync<ReplyMessage>(request.ReplyTopic, reply);
    }
}
