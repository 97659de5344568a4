using Mesh.Engine.KvCache;

namespace Mesh.Engine.Tests.KvCache;

public sealed class KvBlockPoolTests
{
    [Fact]
    public void Allocates_in_queue_order_reusing_unregistered_blocks_first_and_keeping_registered_ones_longest()
    {
        using var pool = new KvBlockPool(blockCount: 6, blockSize: 4, layers: 1, kvDim: 2);
        Assert.Equal([0, 1, 2, 3, 4, 5], pool.FreeQueue());
        int a = pool.Allocate(), b = pool.Allocate(), c = pool.Allocate();
        Assert.Equal((0, 1, 2), (a, b, c));
        Assert.Equal(3, pool.FreeCount);
        pool.Register(c, 0x77UL);
        pool.Release(c);                       // cached: the tail, handed out last
        pool.Release(b);                       // nothing to keep: the head, handed out next
        pool.Release(a);
        Assert.Equal([0, 1, 3, 4, 5, 2], pool.FreeQueue());
        Assert.Equal(0, pool.Allocate());      // the block just freed, not a block never touched
        Assert.Equal(c, pool.Acquire(0x77UL));
    }

    [Fact]
    public void A_registered_block_is_revived_by_its_hash_until_evicted()
    {
        using var pool = new KvBlockPool(3, 4, 1, 2);
        int a = pool.Allocate();
        pool.Register(a, 0xABCUL);
        pool.Release(a);                       // free, but still cached
        Assert.Equal(a, pool.Acquire(0xABCUL));
        Assert.Equal(1, pool.RefCount(a));
        Assert.Equal(2, pool.FreeCount);
        pool.Release(a);
        // hand out every block: the cached one goes last (it was freed most recently) and loses its hash
        int x = pool.Allocate(), y = pool.Allocate(), z = pool.Allocate();
        Assert.Equal(a, z);
        Assert.Equal(-1, pool.Acquire(0xABCUL));
        Assert.Equal(1, pool.Evictions);
        Assert.Equal(-1, pool.Allocate());
        pool.Release(x); pool.Release(y); pool.Release(z);
    }

    [Fact]
    public void Shared_blocks_count_references_and_duplicates_stay_unregistered()
    {
        using var pool = new KvBlockPool(4, 4, 1, 2);
        int a = pool.Allocate();
        pool.Register(a, 7);
        Assert.Equal(a, pool.Acquire(7));      // a second sequence shares it
        Assert.Equal(2, pool.RefCount(a));
        int dup = pool.Allocate();
        pool.Register(dup, 7);                  // same content computed twice: the first stays the owner
        Assert.Equal(0UL, pool.HashOf(dup));
        pool.Release(a);
        Assert.Equal(1, pool.RefCount(a));
        Assert.Throws<InvalidOperationException>(() => { pool.Release(dup); pool.Release(dup); });
    }

    [Fact]
    public void Hash_chains_depend_on_prefix_and_salt()
    {
        int[] tokens = Enumerable.Range(1, 40).ToArray();
        var a = new ulong[10];
        var b = new ulong[10];
        Assert.Equal(2, BlockHasher.Chain(tokens, 16, salt: 0, a));
        int[] other = (int[])tokens.Clone();
        other[3] = 99;                           // first block differs → every later hash differs
        BlockHasher.Chain(other, 16, 0, b);
        Assert.NotEqual(a[0], b[0]);
        Assert.NotEqual(a[1], b[1]);
        BlockHasher.Chain(tokens, 16, salt: 1, b);
        Assert.NotEqual(a[0], b[0]);
        BlockHasher.Chain(tokens, 16, 0, b);
        Assert.Equal(a[..2], b[..2]);
    }
}
