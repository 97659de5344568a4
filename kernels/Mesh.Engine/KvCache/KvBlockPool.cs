using System.Runtime.InteropServices;
using Mesh.Kernels;

namespace Mesh.Engine.KvCache;

/// <summary>The paged KV cache: every block allocated up front in one native buffer laid out as
/// <c>[block, layer, K|V, slot, kvDim]</c> elements of one <see cref="KvCacheType"/> (F32 or F16; see
/// <see cref="PagedKvView"/>), with reference counts,
/// a content-hash index of full blocks for prefix reuse, and one free queue in eviction order
/// (least recently released first). A free block that still has a hash is a cached prefix block:
/// it can be revived by a hit until it is handed out again, at which point its hash is forgotten.
/// Owned by the engine loop; not thread-safe.</summary>
public sealed unsafe class KvBlockPool : IDisposable
{
    /// <summary>[blocks, layers, 2, blockSize, kvDim] elements of <see cref="Type"/>.</summary>
    private readonly byte* _memory;
    private readonly int[] _refCount;
    /// <summary>Hash of each block whose contents are a registered full block; 0 = none.</summary>
    private readonly ulong[] _hash;
    private readonly Dictionary<ulong, int> _byHash;
    /// <summary>Free queue as a doubly linked list over block ids; -1 ends it.</summary>
    private readonly int[] _prev, _next;
    private int _head = -1, _tail = -1;
    private bool _disposed;

    public int BlockSize { get; }
    public int BlockCount { get; }
    public int Layers { get; }
    public int KvDim { get; }
    public int FreeCount { get; private set; }
    /// <summary>Element type of K and V.</summary>
    public KvCacheType Type { get; }
    /// <summary>Elements in one block (all layers, K and V).</summary>
    public long BlockElements { get; }
    /// <summary>Bytes in one block: <see cref="BlockElements"/> · the element size.</summary>
    public long BlockBytes { get; }

    /// <summary>Counters for tests and metrics.</summary>
    public long PrefixHitBlocks { get; private set; }
    public long Evictions { get; private set; }

    public KvBlockPool(int blockCount, int blockSize, int layers, int kvDim, KvCacheType type = KvCacheType.F32)
    {
        if (blockCount <= 0 || blockSize <= 0) throw new ArgumentOutOfRangeException(nameof(blockCount), "KV pool needs at least one block of at least one slot");
        BlockCount = blockCount;
        BlockSize = blockSize;
        Layers = layers;
        KvDim = kvDim;
        Type = type;
        BlockElements = (long)layers * 2 * blockSize * kvDim;
        BlockBytes = BlockElements * type.ElementBytes();
        nuint bytes = (nuint)(BlockBytes * blockCount);
        // not cleared: a slot is always written (StoreKv, Resume) before attention reads it, exports zero the
        // unused slots, and untouched pages stay unmapped, so startup does not fault in the whole pool and
        // resident memory grows with the KV actually used (in 2 MiB steps where huge pages back it)
        _memory = HugePages.Allocate(bytes);
        _refCount = new int[blockCount];
        _hash = new ulong[blockCount];
        _byHash = new Dictionary<ulong, int>(blockCount);
        _prev = new int[blockCount];
        _next = new int[blockCount];
        for (int b = 0; b < blockCount; b++) PushTail(b);
    }

    public PagedKvView LayerView(int layer) => new(_memory, Type, BlockSize, KvDim, Layers, layer);

    /// <summary>The bytes of one block: [layers, 2, blockSize, kvDim] elements of <see cref="Type"/>,
    /// little-endian, as a block is handed off.</summary>
    public Span<byte> BlockData(int block) => new(_memory + block * BlockBytes, checked((int)BlockBytes));

    public int RefCount(int block) => _refCount[block];
    public ulong HashOf(int block) => _hash[block];

    /// <summary>Takes a free block (evicting the oldest cached one if need be); -1 when none is free.</summary>
    public int Allocate()
    {
        int b = _head;
        if (b < 0) return -1;
        Unlink(b);
        if (_hash[b] != 0)
        {
            _byHash.Remove(_hash[b]);
            _hash[b] = 0;
            Evictions++;
        }
        _refCount[b] = 1;
        return b;
    }

    /// <summary>Finds a registered block by content hash and takes a reference to it; -1 on a miss.</summary>
    public int Acquire(ulong hash)
    {
        if (!_byHash.TryGetValue(hash, out int b)) return -1;
        if (_refCount[b]++ == 0) Unlink(b);
        PrefixHitBlocks++;
        return b;
    }

    /// <summary>Whether a full block with this hash is present (referenced or cached).</summary>
    public bool Contains(ulong hash) => _byHash.ContainsKey(hash);

    /// <summary>Registers a block whose KV is now complete under its content hash. When another block
    /// already holds the same content, this one stays unregistered (it is freed like any other).</summary>
    public void Register(int block, ulong hash)
    {
        if (_hash[block] != 0 || _byHash.ContainsKey(hash)) return;
        _hash[block] = hash;
        _byHash[hash] = block;
    }

    /// <summary>Drops one reference; at zero the block joins the free queue. A registered block goes to the tail,
    /// keeping its hash, so a later request with the same prefix can still revive it until it is the oldest. An
    /// unregistered one holds nothing worth keeping and goes to the head, to be handed out next: its pages are
    /// mapped already, so the pool's resident memory grows with the most KV ever in use at once rather than with
    /// every block handed out, and the next sequence does not pay the first-touch page faults of a fresh block
    /// (a 2 MiB page needing compaction took ~4 ms to fault in here, in the engine's step).</summary>
    public void Release(int block)
    {
        if (_refCount[block] <= 0) throw new InvalidOperationException($"KV block {block} released more often than acquired");
        if (--_refCount[block] != 0) return;
        if (_hash[block] == 0) PushHead(block);
        else PushTail(block);
    }

    private void PushHead(int b)
    {
        _prev[b] = -1;
        _next[b] = _head;
        if (_head >= 0) _prev[_head] = b; else _tail = b;
        _head = b;
        FreeCount++;
    }

    private void PushTail(int b)
    {
        _prev[b] = _tail;
        _next[b] = -1;
        if (_tail >= 0) _next[_tail] = b; else _head = b;
        _tail = b;
        FreeCount++;
    }

    private void Unlink(int b)
    {
        if (_prev[b] >= 0) _next[_prev[b]] = _next[b]; else _head = _next[b];
        if (_next[b] >= 0) _prev[_next[b]] = _prev[b]; else _tail = _prev[b];
        _prev[b] = _next[b] = -1;
        FreeCount--;
    }

    /// <summary>Free block ids from the head of the queue (next to be handed out), for tests.</summary>
    public IEnumerable<int> FreeQueue()
    {
        for (int b = _head; b >= 0; b = _next[b]) yield return b;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.AlignedFree(_memory);
    }
}
