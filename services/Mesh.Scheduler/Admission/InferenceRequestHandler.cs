using Mesh.Contracts;
using Mesh.KvCache;
using Mesh.Scheduler.Lifecycle;
using Mesh.ServiceDefaults.Bus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Scheduler.Admission;

/// <summary>
/// Admits requests from <see cref="Topics.Requests"/>, concurrently and off the scheduler loop: tokenize and validate
/// (a refusal goes straight to the request's reply topic as <see cref="Failed"/> with code <c>invalid_request</c>),
/// ask the KV cache how much of the prompt it holds, then post the admitted request to the loop.
/// </summary>
internal sealed class InferenceRequestHandler(
    RequestAdmission admission,
    SchedulerInbox inbox,
    SchedulerCore core,
    IMeshBus bus,
    TimeProvider time,
    IServiceProvider services,
    ILogger<InferenceRequestHandler> logger) : IMessageHandler<InferenceRequest>
{
    public async Task<HandlerResult> HandleAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        AdmittedRequest admitted;
        try
        {
            admitted = admission.Admit(request, time.GetUtcNow());
        }
        catch (RequestInvalidException ex)
        {
            logger.RequestRefused(request.Envelope.RequestId, ex.Message);
            await bus.PublishAsync<ReplyMessage>(request.ReplyTopic,
                new Failed(request.Envelope, FailureCodes.InvalidRequest, ex.Message, Retryable: false), cancellationToken).ConfigureAwait(false);
            return HandlerResult.Success;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A fault of admission itself (a tokenizer bug): redelivering would fail the same way, so the client is told now.
            logger.AdmissionFaulted(ex, request.Envelope.RequestId);
            await bus.PublishAsync<ReplyMessage>(request.ReplyTopic,
                new Failed(request.Envelope, FailureCodes.Internal, $"the scheduler could not admit the request: {ex.Message}", Retryable: false),
                cancellationToken).ConfigureAwait(false);
            return HandlerResult.Success;
        }
        admitted = admitted with { StoreCachedBlocks = await CachedBlocksAsync(admitted, cancellationToken).ConfigureAwait(false) };
        await inbox.PostAsync(admitted, cancellationToken).ConfigureAwait(false);
        return HandlerResult.Success;
    }

    /// <summary>Leading blocks of the prompt the KV cache holds; 0 before any prefill taught the scheduler the model's fingerprint.</summary>
    private async Task<int> CachedBlocksAsync(AdmittedRequest admitted, CancellationToken cancellationToken)
    {
        if (core.Fingerprint is not { } fingerprint || admitted.Chain.Length == 0) return 0;
        if (services.GetService<IKvBlockStore>() is not { } store) return 0;
        try
        {
            return await store.LookupPrefixAsync(fingerprint, admitted.Chain, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KvCacheException or HttpRequestException)
        {
            logger.PrefixLookupFailed(ex, admitted.Id);
            return 0;
        }
    }
}
