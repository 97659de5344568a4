using Mesh.Contracts;
using Mesh.Gateway.OpenAi;
using Mesh.Gateway.Requests;

namespace Mesh.Gateway.Responses;

/// <summary>The chat completion object and chunks of a request.</summary>
internal static class ChatResponses
{
    private const string Assistant = "assistant";

    public static ChatCompletion Completion(GatewayRequest request, ChoiceAccumulator choices)
    {
        var mapped = new ChatChoice[choices.Count];
        for (int i = 0; i < mapped.Length; i++)
        {
            IReadOnlyList<PositionedLogprob>? logprobs = choices.Logprobs(i);
            mapped[i] = new ChatChoice(
                i,
                new ChatResponseMessage(Assistant, choices.Text(i)),
                logprobs is null ? null : LogprobShapes.Chat([.. logprobs.Select(p => p.Token)]),
                FinishReasons.Name(choices.Completion(i).FinishReason));
        }
        return new ChatCompletion(request.Id.Value, ChatCompletion.ObjectName, request.Created, request.Message.Model, mapped, choices.Usage());
    }

    /// <summary>A choice's first chunk: the role, with empty content.</summary>
    public static ChatCompletionChunk Role(GatewayRequest request, int index) =>
        Chunk(request, new ChatChunkChoice(index, new ChatDelta(Assistant, ""), null, null));

    /// <summary>A chunk of content (and its logprobs when asked for).</summary>
    public static ChatCompletionChunk Content(GatewayRequest request, int index, TokenChunk chunk) =>
        Chunk(request, new ChatChunkChoice(
            index,
            new ChatDelta(null, chunk.TextDelta),
            request.Message.Sampling.Logprobs ? LogprobShapes.Chat(chunk.Logprobs ?? []) : null,
            null));

    /// <summary>A choice's last chunk: empty delta, finish reason.</summary>
    public static ChatCompletionChunk Finish(GatewayRequest request, int index, Completed completed) =>
        Chunk(request, new ChatChunkChoice(index, ChatDelta.Empty, null, FinishReasons.Name(completed.FinishReason)));

    /// <summary>The usage chunk: no choices.</summary>
    public static ChatCompletionChunk Usage(GatewayRequest request, UsageBody usage) =>
        new(request.Id.Value, ChatCompletionChunk.ObjectName, request.Created, request.Message.Model, [], usage);

    private static ChatCompletionChunk Chunk(GatewayRequest request, ChatChunkChoice choice) =>
        new(request.Id.Value, ChatCompletionChunk.ObjectName, request.Created, request.Message.Model, [choice]);
}
