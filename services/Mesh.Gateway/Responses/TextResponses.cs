using Mesh.Contracts;
using Mesh.Gateway.OpenAi;
using Mesh.Gateway.Requests;

namespace Mesh.Gateway.Responses;

/// <summary>The text completion object and chunks of a request.</summary>
internal static class TextResponses
{
    public static TextCompletion Completion(GatewayRequest request, ChoiceAccumulator choices)
    {
        int top = request.Message.Sampling.TopLogprobs;
        var mapped = new TextChoice[choices.Count];
        for (int i = 0; i < mapped.Length; i++)
        {
            IReadOnlyList<PositionedLogprob>? logprobs = choices.Logprobs(i);
            mapped[i] = new TextChoice(
                i,
                choices.Text(i),
                logprobs is null ? null : LogprobShapes.Text(logprobs, top),
                FinishReasons.Name(choices.Completion(i).FinishReason));
        }
        return new TextCompletion(request.Id.Value, TextCompletion.ObjectName, request.Created, request.Message.Model, mapped, choices.Usage());
    }

    /// <summary>A chunk of text; <paramref name="textOffset"/> is how much text of the choice came before it.</summary>
    public static TextCompletionChunk Text(GatewayRequest request, int index, TokenChunk chunk, int textOffset)
    {
        TextLogprobs? logprobs = null;
        if (request.Message.Sampling.Logprobs)
        {
            SampledToken[] sampled = chunk.Logprobs ?? [];
            var positioned = new PositionedLogprob[sampled.Length];
            for (int i = 0; i < sampled.Length; i++) positioned[i] = new PositionedLogprob(sampled[i], textOffset);
            logprobs = LogprobShapes.Text(positioned, request.Message.Sampling.TopLogprobs);
        }
        return Chunk(request, new TextChoice(index, chunk.TextDelta, logprobs, null));
    }

    /// <summary>A choice's last chunk: no text, finish reason.</summary>
    public static TextCompletionChunk Finish(GatewayRequest request, int index, Completed completed) =>
        Chunk(request, new TextChoice(index, "", null, FinishReasons.Name(completed.FinishReason)));

    /// <summary>The usage chunk: no choices.</summary>
    public static TextCompletionChunk Usage(GatewayRequest request, UsageBody usage) =>
        new(request.Id.Value, TextCompletion.ObjectName, request.Created, request.Message.Model, [], usage);

    private static TextCompletionChunk Chunk(GatewayRequest request, TextChoice choice) =>
        new(request.Id.Value, TextCompletion.ObjectName, request.Created, request.Message.Model, [choice]);
}
