using System.Text.Json;
using Mesh.Contracts;
using Mesh.Gateway.OpenAi;
using Mesh.Gateway.Replies;
using Mesh.Gateway.Requests;
using Mesh.Gateway.Responses;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway.Batches;

/// <summary>
/// Runs one batch line's request through the same dispatch as the HTTP endpoints (<see cref="InferenceDispatcher"/>,
/// <see cref="ReplyStream"/>, <see cref="ChoiceAccumulator"/>) and shapes the answer the non-streaming endpoint
/// would give. Offline work waits for capacity rather than failing: a request turned away as overloaded or
/// unavailable (429, 503) is submitted again, under a fresh request id, after <see cref="BatchOptions.RetryDelay"/>
/// (doubling, at most <see cref="MaxRetryDelay"/>) for as long as the batch's deadline allows. Cancelling the token
/// stops waiting and, through the reply stream, cancels the request in the mesh.
/// </summary>
internal sealed class BatchRequestRunner(InferenceDispatcher dispatcher, IOptions<BatchOptions> options, TimeProvider time)
{
    /// <summary>Longest wait between two submissions of one line.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

    /// <summary>The line's result: its 200 response, or the error response the request ended with.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired: the line did not finish.</exception>
    public async Task<JournalEntry> RunAsync(int line, string customId, GatewayRequest request, CancellationToken cancellationToken)
    {
        TimeSpan delay = options.Value.RetryDelay;
        while (true)
        {
            try
            {
                ReplyStream stream = await dispatcher.SubmitAsync(request, cancellationToken);
                await using (stream)
                {
                    ChoiceAccumulator choices = await ChoiceAccumulator.CollectAsync(stream, cancellationToken);
                    return BatchResults.Success(line, customId, request.Id.Value, Body(request, choices));
                }
            }
            catch (OpenAiException error) when (!cancellationToken.IsCancellationRequested)
            {
                if (!IsCapacity(error) || time.GetUtcNow() + delay >= request.Message.Envelope.Deadline)
                    return BatchResults.Failure(line, customId, error, request.Id.Value);
            }
            await Task.Delay(delay, time, cancellationToken);
            delay = delay * 2 < MaxRetryDelay ? delay * 2 : MaxRetryDelay;
            request = Renamed(request);
        }
    }

    /// <summary>Whether the mesh turned the request away for lack of capacity, so that it may succeed later.</summary>
    private static bool IsCapacity(OpenAiException error) =>
        error.StatusCode is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable;

    /// <summary>The same request under a fresh id of the same kind (<c>chatcmpl-…</c>, <c>cmpl-…</c>): a new request to the mesh.</summary>
    private static GatewayRequest Renamed(GatewayRequest request)
    {
        string id = request.Id.Value;
        var fresh = new RequestId(id[..(id.IndexOf('-') + 1)] + Guid.NewGuid().ToString("N"));
        return request with { Message = request.Message with { Envelope = request.Message.Envelope with { RequestId = fresh } } };
    }

    private static JsonElement Body(GatewayRequest request, ChoiceAccumulator choices) =>
        request.Message.Prompt is ChatPrompt
            ? JsonSerializer.SerializeToElement(ChatResponses.Completion(request, choices), OpenAiJson.Context.ChatCompletion)
            : JsonSerializer.SerializeToElement(TextResponses.Completion(request, choices), OpenAiJson.Context.TextCompletion);
}
