namespace Mesh.Engine.Tests.Parity;

/// <summary>Token-id prompts for parity checks: deterministic ids above the special tokens (0..2),
/// of lengths 1, 6, 17 and 41, so prefill covers one to three 16-token KV blocks and greedy
/// continuations cross further block boundaries.</summary>
internal static class ParityPrompts
{
    public static readonly int[] Lengths = [1, 6, 17, 41];

    public static int[] Make(int length, int vocabSize)
    {
        var rng = new Random(1000 * length);
        var ids = new int[length];
        for (int i = 0; i < length; i++) ids[i] = rng.Next(3, vocabSize);
        return ids;
    }

    public static IEnumerable<int[]> All(int vocabSize) => Lengths.Select(n => Make(n, vocabSize));
}
