using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.InteropServices;

namespace Mesh.Kernels.Cpu;

/// <summary>Activations quantised per token to Q8_0 blocks of 32, exactly as llama.cpp does before a
/// Q8_0 or Q4_0 product: q = round-to-even(x·(127/max|x|)) and the block scale d = max|x|/127 stored
/// as an IEEE half (kept here as the F32 value of that half). Every path computes the same q and d (the
/// same IEEE operations), so a token's quantised form depends on nothing but the token.
/// Buffers grow to the largest batch seen and are then reused.</summary>
internal sealed unsafe class ActivationQuantizer : IParallelWork
{
    /// <summary>Tokens per interleaved group of <see cref="Packed"/>.</summary>
    public const int Group = 8;

    private float* _x;   // [n, cols]
    private int _cols;
    private int _n;

    /// <summary>q per token, row-major: [n, cols].</summary>
    public sbyte* Q { get; private set; }
    /// <summary>Block scales: [n, cols/32].</summary>
    public float* D { get; private set; }
    /// <summary>Σq per block: [n, cols/32].</summary>
    public int* Sum { get; private set; }
    /// <summary>Whole groups of 8 tokens interleaved for the GEMM tile, q as signed bytes:
    /// [group, block, k/4 within block (8), token (8), 4].</summary>
    public sbyte* Packed { get; private set; }
    /// <summary>Block scales of the packed groups: [group, block, token (8)].</summary>
    public float* PackedD { get; private set; }
    /// <summary>128·Σq of the packed groups' blocks (the tile's correction for weights read as w + 128):
    /// [group, block, token (8)].</summary>
    public int* PackedCorrection { get; private set; }

    private long _capacityBytes;
    private void* _memory;

    public int Blocks => _cols / 32;

    /// <summary>Quantises x[n, cols] (on the pool, by token) and, when <paramref name="pack"/>, packs its
    /// whole groups of 8 for the Q8_0 GEMM tile.</summary>
    public void Quantize(WorkerPool pool, float* x, int n, int cols, bool pack = true)
    {
        _x = x; _n = n; _cols = cols;
        Reserve(n, cols);
        pool.Run(this, n, grain: 4);
        if (pack && n >= Group) pool.Run(_pack, n / Group, grain: 1);
    }

    private readonly PackWork _pack;

    public ActivationQuantizer() => _pack = new PackWork(this);

    /// <summary>Interleaves whole groups of 8 quantised tokens (a second pass, after every token of
    /// the batch is quantised).</summary>
    private sealed class PackWork(ActivationQuantizer q) : IParallelWork
    {
        public void Run(int begin, int end)
        {
            for (int g = begin; g < end; g++) q.PackGroup(g);
        }
    }

    public void Run(int begin, int end)
    {
        int nb = Blocks;
        for (int t = begin; t < end; t++)
            for (int b = 0; b < nb; b++)
                QuantizeBlock(_x + (long)t * _cols + b * 32, Q + (long)t * _cols + b * 32, out D[t * nb + b], out Sum[t * nb + b]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackGroup(int g)
    {
        int nb = Blocks, cols = _cols;
        for (int b = 0; b < nb; b++)
        {
            uint* dst = (uint*)(Packed + ((long)g * nb + b) * 256);
            for (int k4 = 0; k4 < 8; k4++)
                for (int tt = 0; tt < Group; tt++)
                    dst[k4 * 8 + tt] = Unsafe.ReadUnaligned<uint>(Q + (long)(g * Group + tt) * cols + b * 32 + k4 * 4);
            for (int tt = 0; tt < Group; tt++)
            {
                PackedD[((long)g * nb + b) * Group + tt] = D[(g * Group + tt) * nb + b];
                PackedCorrection[((long)g * nb + b) * Group + tt] = Sum[(g * Group + tt) * nb + b] << 7;
            }
        }
    }

    /// <summary>One block of 32: q[32], its scale (half-rounded) and Σq.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeBlock(float* x, sbyte* q, out float d, out int sum)
    {
        if (Avx2.IsSupported)
        {
            var a = Vector256.Load(x); var b = Vector256.Load(x + 8); var c = Vector256.Load(x + 16); var e = Vector256.Load(x + 24);
            var m = Vector256.Max(Vector256.Max(Vector256.Abs(a), Vector256.Abs(b)), Vector256.Max(Vector256.Abs(c), Vector256.Abs(e)));
            var m4 = Vector128.Max(m.GetLower(), m.GetUpper());
            float amax = MathF.Max(MathF.Max(m4.GetElement(0), m4.GetElement(1)), MathF.Max(m4.GetElement(2), m4.GetElement(3)));
            d = (float)(Half)(amax / 127f);
            var id = Vector256.Create(amax != 0 ? 127f / amax : 0f);
            var qa = Avx.ConvertToVector256Int32(a * id); var qb = Avx.ConvertToVector256Int32(b * id);
            var qc = Avx.ConvertToVector256Int32(c * id); var qe = Avx.ConvertToVector256Int32(e * id);
            var bytes = Vector256.Narrow(Vector256.Narrow(qa, qb), Vector256.Narrow(qc, qe));
            bytes.Store(q);
            sum = Vector256.Sum(qa + qb + qc + qe);
            return;
        }
        float max = 0;
        for (int j = 0; j < 32; j++) max = MathF.Max(max, MathF.Abs(x[j]));
        d = (float)(Half)(max / 127f);
        float inv = max != 0 ? 127f / max : 0f;
        sum = 0;
        for (int j = 0; j < 32; j++)
        {
            int v = (int)MathF.Round(x[j] * inv, MidpointRounding.ToEven);
            q[j] = (sbyte)v;
            sum += v;
        }
    }

    private void Reserve(int n, int cols)
    {
        int nb = cols / 32, groups = n / Group;
        long q = (long)n * cols, dsum = (long)n * nb * 4 * 2, packed = (long)groups * nb * 256, pd = (long)groups * nb * Group * 4;
        long need = Align(q) + Align(dsum) + Align(packed) + 2 * Align(pd);
        if (need > _capacityBytes)
        {
            if (_memory is not null) NativeMemory.AlignedFree(_memory);
            _capacityBytes = Math.Max(need, _capacityBytes * 2);
            _memory = NativeMemory.AlignedAlloc((nuint)_capacityBytes, 64);
        }
        byte* p = (byte*)_memory;
        Q = (sbyte*)p; p += Align(q);
        D = (float*)p; Sum = (int*)(p + (long)n * nb * 4); p += Align(dsum);
        Packed = (sbyte*)p; p += Align(packed);
        PackedD = (float*)p; p += Align(pd);
        PackedCorrection = (int*)p;
    }

    private static long Align(long bytes) => (bytes + 63) & ~63L;

    public void Free()
    {
        if (_memory is not null) NativeMemory.AlignedFree(_memory);
        _memory = null;
        _capacityBytes = 0;
    }
}
