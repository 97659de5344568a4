using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tokenization;

namespace Mesh.Workers.Decode;

/// <summary>
/// What the first token (sampled by prefill) means for the stream, decided exactly as the engine decides it for
/// a token it samples itself: a stop token ends the choice with no text; a stop string in its text ends it with
/// the text before the stop; max_tokens = 1 ends it with its text; otherwise generation continues.
/// </summary>
/// <param name="Text">The text to stream with the token.</param>
/// <param name="Finish">Set when the choice ends with this token.</param>
/// <param name="IsStopToken">The token is an end-of-sequence token: it is not streamed as a token id.</param>
internal readonly record struct FirstTokenOutcome(string Text, FinishReason? Finish, bool IsStopToken)
{
    public static FirstTokenOutcome Of(int token, SamplingParams sampling, MeshTokenizer tokenizer)
    {
        bool stopToken = (!sampling.IgnoreEos && tokenizer.StopIds.Contains(token)) || sampling.StopTokenIds.Contains(token);
        if (stopToken) return new("", FinishReason.Stop, true);
        StreamingDecoder decoder = tokenizer.CreateStreamingDecoder();
        var stops = new StopMatcher(sampling.StopStrings);
        (string text, bool stopped) = stops.Push(decoder.Append(token));
        if (stopped) return new(text, FinishReason.Stop, false);
        if (sampling.MaxTokens <= 1) return new(text + stops.Push(decoder.Flush()).Emit + stops.Flush(), FinishReason.Length, false);
        return new(text, null, false);
    }
}
