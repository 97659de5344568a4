namespace Mesh.Engine.KvCache;

/// <summary>Content hashes of full KV blocks, chained like a prefix tree:
/// hash(block i) = H(hash(block i−1), tokens of block i, salt). Equal prefixes under the same salt
/// (tenant) give equal chains; different salts never share a block.</summary>
public static class BlockHasher
{
    /// <summary>The value standing for "no previous block" for a given salt.</summary>
    public static ulong Root(ulong salt) => Mix(0x6A09E667F3BCC908UL ^ salt);

    public static ulong Next(ulong previous, ReadOnlySpan<int> blockTokens)
    {
        ulong h = Mix(previous + 0x9E3779B97F4A7C15UL);
        foreach (int token in blockTokens)
            h = Mix(h ^ ((ulong)(uint)token * 0xC2B2AE3D27D4EB4FUL));
        return Mix(h ^ (ulong)blockTokens.Length);
    }

    /// <summary>Hashes of every full block of <paramref name="tokens"/> into dst; returns how many.</summary>
    public static int Chain(ReadOnlySpan<int> tokens, int blockSize, ulong salt, Span<ulong> dst)
    {
        int full = Math.Min(tokens.Length / blockSize, dst.Length);
        ulong h = Root(salt);
        for (int i = 0; i < full; i++)
        {
            h = Next(h, tokens.Slice(i * blockSize, blockSize));
            dst[i] = h;
        }
        return full;
    }

    /// <summary>murmur3's 64-bit finaliser: every input bit affects every output bit.</summary>
    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        x ^= x >> 33;
        return x;
    }
}
