using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.InteropServices;

namespace Mesh.Kernels.Cpu;

/// <summary>Activations quantised per token to Q8_K super-blocks of 256, as llama.cpp does before a
/// K-quant product: max = the value of largest magnitude (the first one on ties), iscale = −127/max,
/// q = min(127, round-to-even(iscale·x)), d = 1/iscale, and Σq per group of 16 (the K-quants' mins and
/// offsets are applied through these sums). Every path computes the same q, d and sums, so a token's
/// quantised form depends on nothing but the token. Buffers grow to the largest batch seen.</summary>
internal sealed unsafe class Q8KQuantizer : IParallelWork
{
    public const int Block = QuantizedBlocks.SuperBlock;
    /// <summary>Values per partial sum.</summary>
    public const int Group = 16;

    private float* _x;   // [n, cols]
    private int _cols;
    private long _capacityBytes;
    private void* _memory;

    /// <summary>q per token, row-major: [n, cols].</summary>
    public sbyte* Q { get; private set; }
    /// <summary>Super-block scales: [n, cols/256].</summary>
    public float* D { get; private set; }
    /// <summary>Σq per group of 16: [n, cols/16].</summary>
    public short* Sums { get; private set; }

    /// <summary>Tokens per interleaved group of the packed layout.</summary>
    public const int Lanes = 8;
    /// <summary>Whole groups of 8 tokens interleaved for the VNNI tile: [group, cols/4, token (8), 4].</summary>
    public sbyte* Packed { get; private set; }
    /// <summary>Super-block scales of the packed groups: [group, block, token (8)].</summary>
    public float* PackedD { get; private set; }
    /// <summary>Group sums of the packed groups in pairs: [group, block, pair (8), token (8), 2].</summary>
    public short* PackedSums { get; private set; }

    public int Blocks => _cols / Block;

    private readonly PackWork _pack;

    public Q8KQuantizer() => _pack = new PackWork(this);

    /// <summary>Quantises x[n, cols] on the pool, by token (cols is a whole number of super-blocks), and
    /// when <paramref name="pack"/> interleaves its whole groups of 8 tokens.</summary>
    public void Quantize(WorkerPool pool, float* x, int n, int cols, bool pack)
    {
        if (cols % Block != 0) throw new ArgumentException($"Q8_K activations need whole super-blocks of {Block}, got {cols} columns");
        _x = x; _cols = cols;
        Reserve(n, cols);
        pool.Run(this, n, grain: 4);
        if (pack && n >= Lanes) pool.Run(_pack, n / Lanes, grain: 1);
    }

    /// <summary>The second pass, after every token of the batch is quantised.</summary>
    private sealed class PackWork(Q8KQuantizer q) : IParallelWork
    {
        public void Run(int begin, int end)
        {
            for (int g = begin; g < end; g++) q.PackGroup(g);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackGroup(int g)
    {
        int cols = _cols, nb = Blocks, groups = cols / Group;
        int* dst = (int*)(Packed + (long)g * cols * Lanes);
        for (int k4 = 0; k4 < cols / 4; k4++)
            for (int t = 0; t < Lanes; t++)
                dst[k4 * Lanes + t] = Unsafe.ReadUnaligned<int>(Q + (long)(g * Lanes + t) * cols + 4 * k4);
        for (int b = 0; b < nb; b++)
            for (int t = 0; t < Lanes; t++)
            {
                int token = g * Lanes + t;
                PackedD[((long)g * nb + b) * Lanes + t] = D[token * nb + b];
                for (int pair = 0; pair < Group / 2; pair++)
                {
                    short* to = PackedSums + ((((long)g * nb + b) * 8 + pair) * Lanes + t) * 2;
                    to[0] = Sums[(long)token * groups + b * 16 + 2 * pair];
                    to[1] = Sums[(long)token * groups + b * 16 + 2 * pair + 1];
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int begin, int end)
    {
        int nb = Blocks;
        for (int t = begin; t < end; t++)
            for (int b = 0; b < nb; b++)
            {
                long at = (long)t * _cols + b * Block;
                QuantizeBlock(_x + at, Q + at, out D[t * nb + b], Sums + at / Group, Avx2.IsSupported);
            }
    }

    /// <summary>One super-block: q[256], its scale and the 16 partial sums; <paramref name="simd"/>
    /// (AVX2 only) picks the vector path, which computes the same values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeBlock(float* x, sbyte* q, out float d, short* sums, bool simd)
    {
        float max = SignedMax(x);
        if (max == 0)
        {
            d = 0;
            new Span<byte>(q, Block).Clear();
            new Span<short>(sums, Block / Group).Clear();
            return;
        }
        float iscale = -127f / max;
        d = 1f / iscale;
        if (simd)
        {
            var vs = Vector256.Create(iscale);
            var top = Vector256.Create(127);
            for (int g = 0; g < Block / Group; g++)
            {
                float* xg = x + g * Group;
                var a = Vector256.Min(Avx.ConvertToVector256Int32(Vector256.Load(xg) * vs), top);
                var b = Vector256.Min(Avx.ConvertToVector256Int32(Vector256.Load(xg + 8) * vs), top);
                var bytes = Vector256.Narrow(Vector256.Narrow(a, b), Vector256<short>.Zero);
                bytes.GetLower().Store(q + g * Group);
                sums[g] = (short)Vector256.Sum(a + b);
            }
            return;
        }
        for (int g = 0; g < Block / Group; g++)
        {
            int sum = 0;
            for (int j = g * Group; j < (g + 1) * Group; j++)
            {
                int v = Math.Min(127, (int)MathF.Round(iscale * x[j], MidpointRounding.ToEven));
                q[j] = (sbyte)v;
                sum += v;
            }
            sums[g] = (short)sum;
        }
    }

    /// <summary>The first of the block's values with the largest magnitude (0 when all are 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SignedMax(float* x)
    {
        float amax = 0;
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256<float>.Zero;
            for (; j < Block; j += 8) m = Vector256.Max(m, Vector256.Abs(Vector256.Load(x + j)));
            var h = Vector128.Max(m.GetLower(), m.GetUpper());
            amax = MathF.Max(MathF.Max(h[0], h[1]), MathF.Max(h[2], h[3]));
        }
        else
        {
            for (; j < Block; j++) amax = MathF.Max(amax, MathF.Abs(x[j]));
        }
        if (amax == 0) return 0;
        for (j = 0; MathF.Abs(x[j]) != amax; j++) { }
        return x[j];
    }

    private void Reserve(int n, int cols)
    {
        long q = (long)n * cols, d = (long)n * (cols / Block) * sizeof(float), sums = (long)n * (cols / Group) * sizeof(short);
        long packed = (long)(n / Lanes) * Lanes;   // tokens in whole groups: the same sizes again
        long pq = packed * cols, pd = packed * (cols / Block) * sizeof(float), ps = packed * (cols / Group) * sizeof(short);
        long need = Align(q) + Align(d) + Align(sums) + Align(pq) + Align(pd) + Align(ps);
        if (need > _capacityBytes)
        {
            if (_memory is not null) NativeMemory.AlignedFree(_memory);
            _capacityBytes = Math.Max(need, _capacityBytes * 2);
            _memory = NativeMemory.AlignedAlloc((nuint)_capacityBytes, 64);
        }
        byte* p = (byte*)_memory;
        Q = (sbyte*)p; p += Align(q);
        D = (float*)p; p += Align(d);
        Sums = (short*)p; p += Align(sums);
        Packed = (sbyte*)p; p += Align(pq);
        PackedD = (float*)p; p += Align(pd);
        PackedSums = (short*)p;
    }

    private static long Align(long bytes) => (bytes + 63) & ~63L;

    public void Free()
    {
        if (_memory is not null) NativeMemory.AlignedFree(_memory);
        _memory = null;
        _capacityBytes = 0;
    }
}
