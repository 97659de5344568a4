using System.Text;
using Mesh.Contracts;
using Mesh.Gateway.OpenAi;
using Mesh.Gateway.Replies;

namespace Mesh.Gateway.Responses;

/// <summary>Collects a non-streaming request's choices: text, logprobs (when asked for) and completion per choice.</summary>
internal sealed class ChoiceAccumulator
{
    /// <summary>Text so far, per choice.</summary>
    private readonly StringBuilder[] _text;

    /// <summary>Sampled tokens per choice; null when logprobs were not requested.</summary>
    private readonly List<PositionedLogprob>[]? _logprobs;

    /// <summary>Completion per choice; all set once the stream ended.</summary>
    private readonly Completed?[] _completions;

    private ChoiceAccumulator(int choices, bool logprobs)
    {
        _text = new StringBuilder[choices];
        _completions = new Completed?[choices];
        _logprobs = logprobs ? new List<PositionedLogprob>[choices] : null;
        for (int i = 0; i < choices; i++)
        {
            _text[i] = new StringBuilder();
            if (_logprobs is not null) _logprobs[i] = [];
        }
    }

    /// <summary>Reads <paramref name="stream"/> to its end.</summary>
    /// <exception cref="OpenAiException">The request failed or timed out.</exception>
    public static async Task<ChoiceAccumulator> CollectAsync(ReplyStream stream, CancellationToken aborted)
    {
        var choices = new ChoiceAccumulator(stream.Request.ChoiceCount, stream.Request.Message.Sampling.Logprobs);
        await foreach (ReplyEvent e in stream.ReadAllAsync(aborted)) choices.Add(e);
        return choices;
    }

    public int Count => _text.Length;

    public string Text(int index) => _text[index].ToString();

    public IReadOnlyList<PositionedLogprob>? Logprobs(int index) => _logprobs?[index];

    public Completed Completion(int index) =>
        _completions[index] ?? throw new InvalidOperationException($"Choice {index} has no completion; the stream did not end.");

    public UsageBody Usage() => UsageTotals.Of([.. _completions.Select((_, i) => Completion(i))]);

    private void Add(ReplyEvent e)
    {
        if (e.Kind == ReplyEventKind.Finished)
        {
            _completions[e.ChoiceIndex] = e.Completion;
            return;
        }
        TokenChunk chunk = e.Chunk!;
        StringBuilder text = _text[e.ChoiceIndex];
        if (_logprobs is not null && chunk.Logprobs is { } sampled)
            foreach (SampledToken token in sampled) _logprobs[e.ChoiceIndex].Add(new PositionedLogprob(token, text.Length));
        text.Append(chunk.TextDelta);
    }
}
