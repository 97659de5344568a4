namespace Mesh.Engine.Model;

/// <summary>One forward pass's input, flattened: T tokens from any number of sequences (prefill
/// chunks and decode tokens mixed), each with its position and the block table of its sequence,
/// and the rows whose logits are wanted. Buffers are owned by the engine and reused every step.</summary>
public sealed class ForwardBatch
{
    public readonly int[] Tokens;      // [maxTokens]
    public readonly int[] Positions;   // [maxTokens]
    /// <summary>Index into <see cref="BlockTables"/> of each token's sequence.</summary>
    public readonly int[] SequenceOf;  // [maxTokens]
    /// <summary>Block table of each sequence in the batch (references to the sequences' own arrays).</summary>
    public readonly int[][] BlockTables; // [maxSequences][]
    /// <summary>Token rows whose logits are computed, in output order.</summary>
    public readonly int[] OutputRows;  // [maxOutputs]

    public int TokenCount;
    public int SequenceCount;
    public int OutputCount;

    public ForwardBatch(int maxTokens, int maxSequences)
    {
        Tokens = new int[maxTokens];
        Positions = new int[maxTokens];
        SequenceOf = new int[maxTokens];
        BlockTables = new int[maxSequences][];
        OutputRows = new int[maxSequences];
    }

    public void Clear() { TokenCount = 0; SequenceCount = 0; OutputCount = 0; }
}
