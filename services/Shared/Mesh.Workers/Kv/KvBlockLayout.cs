using System.IO.Hashing;
using Mesh.Contracts;
using Mesh.Engine.Model;
using Mesh.Kernels;
using Mesh.KvCache;

namespace Mesh.Workers.Kv;

/// <summary>
/// The shape of one engine KV block as it travels: <c>[layers, K|V, blockSize, kvDim]</c> elements of the layout's
/// dtype (F32, or F16 as IEEE halves), little-endian, exactly the bytes of <c>KvBlockPool.BlockData</c>. A block that
/// is only partly filled (the last block of a sequence) has meaningful elements in the first <c>used</c> slots of each
/// of its <c>layers × 2</c> planes; the rest is zeroed when exported and never checksummed.
/// </summary>
public sealed class KvBlockLayout
{
    public KvBlockLayout(KvLayout layout)
    {
        ElementType = layout.DType switch
        {
            KvDType.F32 => KvCacheType.F32,
            KvDType.F16 => KvCacheType.F16,
            _ => throw new ArgumentException($"KV dtype {layout.DType} is not supported; the engine keeps KV as F32 or F16.", nameof(layout)),
        };
        Layout = layout;
        KvDim = layout.KvHeads * layout.HeadDim;
        Planes = layout.Layers * 2;
        PlaneBytes = layout.BlockSize * KvDim * ElementType.ElementBytes();
        BlockBytes = Planes * PlaneBytes;
    }

    /// <summary>The layout of <paramref name="config"/>'s KV in blocks of <paramref name="blockSize"/> elements of <paramref name="type"/>.</summary>
    public static KvBlockLayout For(ModelConfig config, int blockSize, KvCacheType type) =>
        new(new KvLayout(DTypeOf(type), blockSize, config.Layers, config.KvHeads, config.HeadDim));

    /// <summary>The wire dtype of an engine KV element type.</summary>
    public static KvDType DTypeOf(KvCacheType type) => type switch
    {
        KvCacheType.F32 => KvDType.F32,
        KvCacheType.F16 => KvDType.F16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "the engine keeps KV as F32 or F16"),
    };

    /// <summary>As carried by a <see cref="KvRef"/>.</summary>
    public KvLayout Layout { get; }

    /// <summary>The engine's element type for this layout's dtype.</summary>
    public KvCacheType ElementType { get; }

    /// <summary>Tokens per block.</summary>
    public int BlockSize => Layout.BlockSize;

    /// <summary>Elements per token in one plane: KV heads × head dim.</summary>
    public int KvDim { get; }

    /// <summary>Layers × 2 (K and V).</summary>
    public int Planes { get; }

    /// <summary>Bytes in one plane: blockSize × kvDim elements.</summary>
    private int PlaneBytes { get; }

    /// <summary>Bytes in one block.</summary>
    public int BlockBytes { get; }

    /// <summary>Blocks that hold <paramref name="tokens"/> positions.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockSize - 1) / BlockSize;

    /// <summary>Filled slots of block <paramref name="index"/> of a sequence with <paramref name="tokens"/> positions.</summary>
    public int UsedSlots(int index, int tokens) => Math.Clamp(tokens - index * BlockSize, 0, BlockSize);

    /// <summary>A copy of <paramref name="block"/>, with the slots past <paramref name="used"/> zeroed.</summary>
    public byte[] Export(ReadOnlySpan<byte> block, int used)
    {
        CheckBlock(block.Length);
        var bytes = new byte[BlockBytes];
        int filled = UsedBytes(used);
        for (int p = 0; p < Planes; p++)
            block.Slice(p * PlaneBytes, filled).CopyTo(bytes.AsSpan(p * PlaneBytes, filled));
        return bytes;
    }

    /// <summary>A copy of a block received as bytes; throws when it has the wrong size (another dtype or shape).</summary>
    public byte[] Import(ReadOnlySpan<byte> bytes)
    {
        CheckBlock(bytes.Length);
        return bytes.ToArray();
    }

    /// <summary>Adds the bytes of the filled slots of one block to a running checksum.</summary>
    public void AppendChecksum(XxHash64 hash, ReadOnlySpan<byte> block, int used)
    {
        CheckBlock(block.Length);
        int filled = UsedBytes(used);
        for (int p = 0; p < Planes; p++)
            hash.Append(block.Slice(p * PlaneBytes, filled));
    }

    /// <summary>The checksum text of a KV reference: <c>xxh64:</c> over the filled slots of every block, in order.</summary>
    public static string FormatChecksum(XxHash64 hash) => BlockChecksum.Format(hash.GetCurrentHashAsUInt64());

    private int UsedBytes(int used) => used * KvDim * ElementType.ElementBytes();

    private void CheckBlock(int bytes)
    {
        if (bytes != BlockBytes)
            throw new KvMismatchException($"a KV block has {bytes} bytes; this model's {Layout.DType} blocks have {BlockBytes}");
    }
}
