using Mesh.Engine.Sampling;
using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Scheduling;

/// <summary>One generation in flight: its tokens, how many of them have KV in the pool, its block
/// table and its sampling state. Owned by the engine loop.</summary>
internal sealed class Sequence
{
    public readonly long Id;
    public readonly SamplingParams Params;
    /// <summary>Prompt then generated tokens: [capacity = prompt + max_tokens].</summary>
    public readonly int[] Tokens;
    public int Count;
    public readonly int PromptLength;
    /// <summary>Tokens whose K/V are in the pool (positions [0, Computed)).</summary>
    public int Computed;
    /// <summary>Pool block ids, one per BlockSize positions.</summary>
    public readonly int[] BlockTable;
    public int BlockCount;
    /// <summary>Full blocks already registered in the prefix index, and the hash of the last one.</summary>
    public int HashedBlocks;
    public ulong LastHash;
    public readonly ulong Salt;
    /// <summary>Prompt tokens served from the prefix cache.</summary>
    public int CachedTokens;
    public int Generated => Count - PromptLength;
    public readonly StreamingDecoder? Decoder;
    public readonly StopMatcher Stops;
    public FinishReason Finish;
    /// <summary>Keep the blocks after the sequence finishes (see InferenceEngine.Held).</summary>
    public bool HoldKv;
    /// <summary>Tokens scheduled in the current step (set by the planner, consumed after the pass).</summary>
    public int Scheduled;
    public bool SamplesThisStep;

    public Sequence(long id, ReadOnlySpan<int> prompt, SamplingParams p, int blockSize, ulong salt, MeshTokenizer? tokenizer)
    {
        Id = id;
        Params = p;
        Tokens = new int[prompt.Length + p.MaxTokens + 1];
        prompt.CopyTo(Tokens);
        Count = PromptLength = prompt.Length;
        BlockTable = new int[(Tokens.Length + blockSize - 1) / blockSize];
        Salt = salt;
        Decoder = tokenizer?.CreateStreamingDecoder();
        Stops = new StopMatcher(p.StopStrings);
    }
}
