using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Encode;

/// <summary>
/// Answers an <see cref="EncodeTask"/>. No encoder is built in yet, so every media item fails, not retryably, with a
/// message naming the item; the scheduler ends the request with it. Text requests never reach encode.
/// </summary>
internal sealed class EncodeTaskHandler(EncodeWorker worker, IMeshBus bus) : IMessageHandler<EncodeTask>
{
    public async Task<HandlerResult> HandleAsync(EncodeTask task, CancellationToken cancellationToken)
    {
        worker.Begin();
        try
        {
            string message = $"media item {task.ItemIndex} ({task.Media.MediaType}) cannot be encoded: this Mesh build has no image encoder " +
                             $"for model '{task.Model}'; send text only";
            await bus.PublishAsync(Topics.StageFailed, new Failed(task.Envelope, FailureCodes.InvalidRequest, message, false, worker.Id), cancellationToken)
                .ConfigureAwait(false);
            return HandlerResult.Success;
        }
        finally
        {
            worker.End();
        }
    }
}
