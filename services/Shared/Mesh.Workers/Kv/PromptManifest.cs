using System.Buffers.Binary;
using Mesh.Contracts;

namespace Mesh.Workers.Kv;

/// <summary>
/// The prompt token ids of a KV reference, stored in the KV cache beside its blocks under
/// <see cref="KvNaming.Manifest"/> of its last block. A decode worker needs them to continue the sequence
/// (penalties, its own prefix index) and <see cref="DecodeTask"/> does not carry them; it checks them against
/// the reference's chain, so a manifest can never pair tokens with KV of other tokens.
/// Layout: int32 count, then count int32 ids, little-endian.
/// </summary>
public static class PromptManifest
{
    /// <summary>The manifest of <paramref name="tokens"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<int> tokens)
    {
        var bytes = new byte[4 + 4 * tokens.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, tokens.Length);
        for (int i = 0; i < tokens.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 + 4 * i), tokens[i]);
        return bytes;
    }

    /// <summary>The tokens of a manifest.</summary>
    /// <exception cref="KvMismatchException">The bytes are not a manifest.</exception>
    public static int[] Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4) throw new KvMismatchException($"the token manifest has {bytes.Length} bytes");
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (count < 0 || bytes.Length != 4 + 4L * count)
            throw new KvMismatchException($"the token manifest claims {count} tokens in {bytes.Length} bytes");
        var tokens = new int[count];
        for (int i = 0; i < count; i++) tokens[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 + 4 * i)..]);
        return tokens;
    }

    /// <summary>
    /// Checks that <paramref name="tokens"/> are the tokens whose KV <paramref name="kv"/> names: one per KV
    /// position, and the full blocks hash to the reference's chain under <paramref name="salt"/>.
    /// </summary>
    /// <exception cref="KvMismatchException">They are not.</exception>
    public static void Verify(int[] tokens, KvRef kv, ulong salt)
    {
        if (tokens.Length != kv.TokenCount)
            throw new KvMismatchException($"the token manifest has {tokens.Length} tokens; the KV reference covers {kv.TokenCount}");
        BlockHash[] chain = KvNaming.Chain(tokens, kv.Layout.BlockSize, salt);
        if (chain.Length > kv.Blocks.Length)
            throw new KvMismatchException($"the KV reference lists {kv.Blocks.Length} blocks for {tokens.Length} tokens");
        for (int i = 0; i < chain.Length; i++)
            if (chain[i] != kv.Blocks[i])
                throw new KvMismatchException($"block {i} of the KV reference ({kv.Blocks[i]}) is not the hash of its tokens ({chain[i]})");
    }
}
