using System.Runtime.InteropServices;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>Every CPU op against the scalar reference on the same inputs, with a per-op tolerance
/// (normalised MSE), on one and on two threads; matrix products in both activation modes, each against
/// the reference in the same mode.</summary>
public sealed class KernelParityTests : IDisposable
{
    private readonly ReferenceKernels _ref = new();
    private readonly CpuKernels _cpu1 = new(1);
    private readonly CpuKernels _cpu2 = new(2);
    private readonly ReferenceKernels _exactRef = new(quantizeActivations: false);
    private readonly CpuKernels _exact1 = new(1, new CpuKernelOptions { QuantizeQ8Activations = false });
    private readonly CpuKernels _exact2 = new(2, new CpuKernelOptions { QuantizeQ8Activations = false });

    public void Dispose() { _cpu1.Dispose(); _cpu2.Dispose(); _exact1.Dispose(); _exact2.Dispose(); }

    [Theory]
    [InlineData(TensorType.F32, 1e-10)]
    [InlineData(TensorType.F16, 1e-10)]
    [InlineData(TensorType.BF16, 1e-10)]
    [InlineData(TensorType.Q8_0, 1e-10)]
    [InlineData(TensorType.Q4_0, 1e-10)]
    [InlineData(TensorType.Q4_K, 1e-10)]
    [InlineData(TensorType.Q6_K, 1e-10)]
    public void MatMul_matches_reference(TensorType type, double tolerance)
    {
        const int rows = 96, cols = 256, n = 5;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 1), rows, cols, type);
        var x = TestData.Random(n * cols, 2);
        // the defaults (activations quantised for quantised weights) on both sides, then the exact mode
        foreach (var (reference, cpus) in new[] { (_ref, new[] { _cpu1, _cpu2 }), (_exactRef, new[] { _exact1, _exact2 }) })
        {
            var expected = new float[n * rows];
            reference.MatMul(w.Matrix, x, expected, n);
            foreach (var cpu in cpus)
            {
                var actual = new float[n * rows];
                cpu.MatMul(w.Matrix, x, actual, n);
                Assert.True(TestData.Nmse(expected, actual) < tolerance,
                    $"{type} on {cpu.Threads} threads, quantise={reference.QuantizeActivations}: nmse {TestData.Nmse(expected, actual)}");
            }
        }
    }

    [Fact]
    public void Quantised_weights_stay_close_to_the_f32_product()
    {
        const int rows = 64, cols = 256;
        var values = TestData.Random(rows * cols, 3);
        var x = TestData.Random(cols, 4);
        using var f32 = new NativeMatrix(values, rows, cols, TensorType.F32);
        var exact = new float[rows];
        _exactRef.MatMul(f32.Matrix, x, exact, 1);
        // Q8_0 in the default mode: the weights' rounding and the activations' together
        foreach (var (type, tol) in new[] { (TensorType.F16, 1e-6), (TensorType.BF16, 1e-4), (TensorType.Q8_0, 1e-3) })
        {
            using var q = new NativeMatrix(values, rows, cols, type);
            var y = new float[rows];
            _cpu2.MatMul(q.Matrix, x, y, 1);
            Assert.True(TestData.Nmse(exact, y) < tol, $"{type}: nmse {TestData.Nmse(exact, y)}");
        }
    }

    [Fact]
    public void RmsNorm_SiluMul_Add_match_reference()
    {
        const int dim = 200, n = 3;
        var x = TestData.Random(n * dim, 5);
        var w = TestData.Random(dim, 6);
        var a = new float[n * dim];
        var b = new float[n * dim];
        _ref.RmsNorm(x, w, a, n, 1e-5f);
        _cpu2.RmsNorm(x, w, b, n, 1e-5f);
        Assert.True(TestData.Nmse(a, b) < 1e-12);

        var g1 = TestData.Random(1000, 7, 4);
        var g2 = (float[])g1.Clone();
        var up = TestData.Random(1000, 8);
        _ref.SiluMul(g1, up);
        _cpu2.SiluMul(g2, up);
        Assert.True(TestData.Nmse(g1, g2) < 1e-12);

        var s1 = TestData.Random(333, 9);
        var s2 = (float[])s1.Clone();
        var add = TestData.Random(333, 10);
        _ref.Add(s1, add);
        _cpu2.Add(s2, add);
        Assert.Equal(s1, s2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Rope_matches_reference_and_preserves_norms(bool neox)
    {
        const int heads = 4, headDim = 16;
        var x1 = TestData.Random(heads * headDim, 11);
        var x2 = (float[])x1.Clone();
        var cos = new float[headDim / 2];
        var sin = new float[headDim / 2];
        for (int i = 0; i < cos.Length; i++) { cos[i] = MathF.Cos(0.3f * (i + 1)); sin[i] = MathF.Sin(0.3f * (i + 1)); }
        _ref.Rope(x1, heads, headDim, cos, sin, neox);
        _cpu2.Rope(x2, heads, headDim, cos, sin, neox);
        Assert.True(TestData.Nmse(x1, x2) < 1e-12);
        var original = TestData.Random(heads * headDim, 11);
        double n0 = original.Sum(v => (double)v * v), n1 = x1.Sum(v => (double)v * v);
        Assert.Equal(n0, n1, 4);
    }

    [Theory]
    [InlineData(8, 8, 1)]
    [InlineData(8, 2, 37)]
    [InlineData(4, 1, 64)]
    [InlineData(8, 2, 37, 300f)]   // scores in the thousands: exp(score) alone overflows, the softmax must subtract the max
    [InlineData(4, 4, 64, 300f)]
    public unsafe void Attention_over_paged_kv_matches_reference(int heads, int kvHeads, int length, float qScale = 1f)
    {
        const int headDim = 16, blockSize = 16, layers = 2, blocks = 8;
        int kvDim = kvHeads * headDim;
        long floats = (long)blocks * layers * 2 * blockSize * kvDim;
        var pool = (float*)NativeMemory.AlignedAlloc((nuint)(floats * 4), 64);
        try
        {
            var fill = TestData.Random((int)floats, 12);
            fill.CopyTo(new Span<float>(pool, (int)floats));
            var view = new PagedKvView(pool, blockSize, kvDim, layers, layer: 1);
            int[] table = [5, 2, 7, 0, 3];   // scattered blocks, as a real block table is
            var q = TestData.Random(heads * headDim, 13, qScale);
            var expected = new float[heads * headDim];
            var actual = new float[heads * headDim];
            var scores = new float[length];
            _ref.Attention(q, view, table, length, expected, scores, heads, kvHeads, headDim, 0, heads);
            _cpu2.Attention(q, view, table, length, actual, scores, heads, kvHeads, headDim, 0, heads / 2);
            _cpu2.Attention(q, view, table, length, actual, scores, heads, kvHeads, headDim, heads / 2, heads);
            Assert.All(expected, e => Assert.True(float.IsFinite(e)));
            Assert.True(TestData.Nmse(expected, actual) < 1e-10, $"nmse {TestData.Nmse(expected, actual)}");
        }
        finally { NativeMemory.AlignedFree(pool); }
    }

    [Fact]
    public void Q8_0_encoding_follows_ggml_reference()
    {
        var x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = i - 16;   // amax 16 → d = 16/127
        var block = new byte[34];
        RowDecoder.EncodeQ8_0(x, block);
        Assert.Equal((Half)(16f / 127f), BitConverter.ToHalf(block, 0));
        Assert.Equal(-127, (sbyte)block[2]);               // −16 / d = −127
        Assert.Equal(0, (sbyte)block[2 + 16]);
        Assert.Equal((sbyte)MathF.Round(15 * 127f / 16f, MidpointRounding.AwayFromZero), (sbyte)block[2 + 31]);
        var back = new float[32];
        RowDecoder.Decode(TensorType.Q8_0, block, back);
        for (int i = 0; i < 32; i++) Assert.InRange(back[i] - x[i], -0.1f, 0.1f);   // within half a step (d/2 ≈ 0.063) plus the F16 rounding of d
    }
}
