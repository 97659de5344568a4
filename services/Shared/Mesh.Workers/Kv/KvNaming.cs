using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Mesh.Contracts;
using Mesh.Engine.KvCache;

namespace Mesh.Workers.Kv;

/// <summary>
/// How KV blocks are named, the same in the scheduler and every worker. Full blocks carry their chain hash
/// (<see cref="BlockHasher"/>: <c>hash(block i) = H(hash(block i-1), tokens of block i, tenant salt)</c>), the
/// same value the engine's prefix index uses, so a block written by one worker is a prefix hit for any other.
/// </summary>
public static class KvNaming
{
    /// <summary>
    /// The prefix-cache salt of a tenant: xxHash64 of its id, so tenants never share blocks. The empty tenant
    /// gets 0, the salt of a plain engine run (<c>mesh generate</c>).
    /// </summary>
    public static ulong TenantSalt(TenantId tenant) =>
        string.IsNullOrEmpty(tenant.Value) ? 0 : XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(tenant.Value));

    /// <summary>Chain hashes of every full block of <paramref name="tokens"/>.</summary>
    public static BlockHash[] Chain(ReadOnlySpan<int> tokens, int blockSize, ulong salt)
    {
        var hashes = new ulong[tokens.Length / blockSize];
        int full = BlockHasher.Chain(tokens, blockSize, salt, hashes);
        var chain = new BlockHash[full];
        for (int i = 0; i < full; i++) chain[i] = new BlockHash(hashes[i]);
        return chain;
    }

    /// <summary>
    /// The chain the engine's prefix index can reuse for a prompt: full blocks of every prompt token but the
    /// last, because the last prompt token is always computed (its logits give the first sample).
    /// </summary>
    public static BlockHash[] ReusableChain(ReadOnlySpan<int> prompt, int blockSize, ulong salt) =>
        prompt.Length == 0 ? [] : Chain(prompt[..^1], blockSize, salt);

    /// <summary>
    /// Key of a sequence's last, partial block. Its bytes beyond the filled slots are not content, so it is not
    /// content-addressed: the key also names the request and attempt that wrote it, and no other sequence ever
    /// reads it as a prefix.
    /// </summary>
    public static BlockHash PartialBlock(BlockHash? previous, ReadOnlySpan<int> tokens, ulong salt, RequestId request, int attempt)
    {
        ulong content = BlockHasher.Next(previous?.Value ?? BlockHasher.Root(salt), tokens);
        var hash = new XxHash64();
        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(head, content);
        BinaryPrimitives.WriteInt32LittleEndian(head[8..], attempt);
        hash.Append(head);
        hash.Append(Encoding.UTF8.GetBytes(request.Value));
        return new BlockHash(hash.GetCurrentHashAsUInt64());
    }

    /// <summary>
    /// Keys of the blocks holding the KV of <paramref name="tokens"/>: the chain hash of each full block, then the
    /// <see cref="PartialBlock"/> key of a last, partly filled block.
    /// </summary>
    public static BlockHash[] SequenceBlocks(ReadOnlySpan<int> tokens, int blockSize, ulong salt, RequestId request, int attempt)
    {
        BlockHash[] chain = Chain(tokens, blockSize, salt);
        int filled = chain.Length * blockSize;
        if (filled == tokens.Length) return chain;
        BlockHash? previous = chain.Length > 0 ? chain[^1] : null;
        return [.. chain, PartialBlock(previous, tokens[filled..], salt, request, attempt)];
    }

    /// <summary>Key of the token manifest stored beside a KV reference whose last block is <paramref name="lastBlock"/>.</summary>
    public static BlockHash Manifest(BlockHash lastBlock)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, lastBlock.Value);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], 0x7473_6566_696E_616DUL); // "manifest"
        return new BlockHash(XxHash64.HashToUInt64(bytes));
    }
}
