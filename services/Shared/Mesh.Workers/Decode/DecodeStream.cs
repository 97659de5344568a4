using Mesh.Contracts;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tokenization;
using Mesh.Workers.Engine;
using ContractFinish = Mesh.Contracts.FinishReason;
using EngineFinish = Mesh.Engine.Scheduling.FinishReason;

namespace Mesh.Workers.Decode;

/// <summary>
/// The reply stream of one decode: numbers its token chunks and counts completion tokens. Touched only by the
/// reply publisher's loop.
/// </summary>
internal sealed class DecodeStream(DecodeTask task, MeshTokenizer tokenizer)
{
    /// <summary>The task this stream answers.</summary>
    public DecodeTask Task { get; } = task;

    /// <summary>Sequence number of the next chunk.</summary>
    private long _next = task.NextSequence;

    /// <summary>Token ids streamed so far, by this stream and (resumed from a checkpoint) the attempts before it; stop tokens are not streamed.</summary>
    private int _completionTokens = task.NextSequence > 0 || task.GeneratedTokenIds.Length > 0 ? 1 + task.GeneratedTokenIds.Length : 0;

    /// <summary>Checkpoints of this stream so far: KV blocks written, the running checksum over them, and the KV-cache lease pinning the latest.</summary>
    public CheckpointProgress Checkpoints { get; } = new();

    /// <summary>Sequence number of the next chunk (what a checkpoint taken now records).</summary>
    public long NextSequence => _next;

    /// <summary>Completed or failed; later items are ignored.</summary>
    public bool Ended { get; private set; }

    /// <summary>The chunk of the first token.</summary>
    public TokenChunk First(SampledToken token, FirstTokenOutcome outcome)
    {
        int[] ids = outcome.IsStopToken ? [] : [token.TokenId];
        SampledToken[]? logprobs = Task.Sampling.Logprobs && !outcome.IsStopToken ? [token] : null;
        return Chunk(ids, outcome.Text, logprobs, outcome.Finish is { } f ? Map(f) : null);
    }

    /// <summary>The chunk of an engine output; null when it carries nothing (no token, no text, no finish).</summary>
    public TokenChunk? Next(SequenceOutput output)
    {
        bool streamed = output.Token >= 0 && !output.IsStopToken;
        ContractFinish? finish = output.Finish == EngineFinish.None ? null : Map(output.Finish);
        if (!streamed && output.Text.Length == 0 && finish is null) return null;
        int[] ids = streamed ? [output.Token] : [];
        SampledToken[]? logprobs = Task.Sampling.Logprobs && streamed
            ? [SamplingMapper.ToWire(output.Token, output.Logprob, output.TopLogprobs, tokenizer)]
            : null;
        return Chunk(ids, output.Text, logprobs, finish);
    }

    /// <summary>Ends the stream: the final message of the choice.</summary>
    public Completed Complete(ContractFinish finish)
    {
        Ended = true;
        return new Completed(Task.Envelope, Task.ChoiceIndex, finish,
            new Usage(Task.PromptTokenCount, _completionTokens, Task.CachedTokenCount));
    }

    /// <summary>Ends the stream without a completion (the scheduler decides what the client hears).</summary>
    public void Abandon() => Ended = true;

    private TokenChunk Chunk(int[] ids, string text, SampledToken[]? logprobs, ContractFinish? finish)
    {
        _completionTokens += ids.Length;
        return new TokenChunk(Task.Envelope, Task.ChoiceIndex, _next++, ids, text, logprobs, finish);
    }

    private static ContractFinish Map(EngineFinish finish) => finish switch
    {
        EngineFinish.Stop => ContractFinish.Stop,
        EngineFinish.Length => ContractFinish.Length,
        EngineFinish.Cancelled => ContractFinish.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(finish), finish, "a running sequence has no finish reason"),
    };
}
