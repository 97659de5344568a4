using System.IO.Hashing;
using System.Runtime.InteropServices;
using Mesh.Contracts;
using Mesh.Engine.Model;
using Mesh.KvCache;

namespace Mesh.Workers.Kv;

/// <summary>
/// The shape of one engine KV block as it travels: <c>[layers, K|V, blockSize, kvDim]</c> F32, little-endian,
/// exactly <c>KvBlockPool.BlockData</c>. A block that is only partly filled (the last block of a sequence) has
/// meaningful values in the first <c>used</c> slots of each of its <c>layers × 2</c> planes; the rest is zeroed
/// when exported and never checksummed.
/// </summary>
public sealed class KvBlockLayout
{
    public KvBlockLayout(KvLayout layout)
    {
        if (layout.DType != KvDType.F32)
            throw new ArgumentException($"KV dtype {layout.DType} is not supported; the engine keeps KV as F32.", nameof(layout));
        Layout = layout;
        KvDim = layout.KvHeads * layout.HeadDim;
        Planes = layout.Layers * 2;
        BlockFloats = Planes * layout.BlockSize * KvDim;
    }

    /// <summary>The layout of <paramref name="config"/>'s KV in blocks of <paramref name="blockSize"/>.</summary>
    public static KvBlockLayout For(ModelConfig config, int blockSize) =>
        new(new KvLayout(KvDType.F32, blockSize, config.Layers, config.KvHeads, config.HeadDim));

    /// <summary>As carried by a <see cref="KvRef"/>.</summary>
    public KvLayout Layout { get; }

    /// <summary>Tokens per block.</summary>
    public int BlockSize => Layout.BlockSize;

    /// <summary>Floats per token in one plane: KV heads × head dim.</summary>
    public int KvDim { get; }

    /// <summary>Layers × 2 (K and V).</summary>
    public int Planes { get; }

    /// <summary>Floats in one block.</summary>
    public int BlockFloats { get; }

    /// <summary>Bytes in one block.</summary>
    public int BlockBytes => BlockFloats * sizeof(float);

    /// <summary>Blocks that hold <paramref name="tokens"/> positions.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockSize - 1) / BlockSize;

    /// <summary>Filled slots of block <paramref name="index"/> of a sequence with <paramref name="tokens"/> positions.</summary>
    public int UsedSlots(int index, int tokens) => Math.Clamp(tokens - index * BlockSize, 0, BlockSize);

    /// <summary>A copy of <paramref name="block"/> as bytes, with the slots past <paramref name="used"/> zeroed.</summary>
    public byte[] Export(ReadOnlySpan<float> block, int used)
    {
        CheckBlock(block.Length);
        var bytes = new byte[BlockBytes];
        Span<float> copy = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        int plane = BlockSize * KvDim;
        for (int p = 0; p < Planes; p++)
            block.Slice(p * plane, used * KvDim).CopyTo(copy.Slice(p * plane, used * KvDim));
        return bytes;
    }

    /// <summary>The floats of a block received as bytes; throws when it has the wrong size.</summary>
    public float[] Import(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != BlockBytes)
            throw new KvMismatchException($"a KV block has {bytes.Length} bytes; this model's blocks have {BlockBytes}");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    /// <summary>Adds the filled slots of one block to a running checksum.</summary>
    public void AppendChecksum(XxHash64 hash, ReadOnlySpan<float> block, int used)
    {
        CheckBlock(block.Length);
        int plane = BlockSize * KvDim;
        for (int p = 0; p < Planes; p++)
            hash.Append(MemoryMarshal.AsBytes(block.Slice(p * plane, used * KvDim)));
    }

    /// <summary>The checksum text of a KV reference: <c>xxh64:</c> over the filled slots of every block, in order.</summary>
    public static string FormatChecksum(XxHash64 hash) => BlockChecksum.Format(hash.GetCurrentHashAsUInt64());

    private void CheckBlock(int floats)
    {
        if (floats != BlockFloats)
            throw new KvMismatchException($"a KV block has {floats} floats; this model's blocks have {BlockFloats}");
    }
}
