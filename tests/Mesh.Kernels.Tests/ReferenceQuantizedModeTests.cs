using Mesh.Kernels.Cpu;
using Xunit.Abstractions;

namespace Mesh.Kernels.Tests;

/// <summary>The scalar reference in the quantised mode (<c>new ReferenceKernels(quantizeActivations: true)</c>,
/// the default): its quantisers give the CPU backend's quants and scales, ties and all-zero blocks
/// included; its product equals the exact reference on the decoded weights and the dequantised
/// activations (the block layouts and the algebra, checked against the decoders); every SIMD path's
/// quantised product equals it (for a token alone or in batches, on 1 and 3 threads); and F32, F16 and
/// BF16 weights are untouched by the mode.</summary>
public sealed class ReferenceQuantizedModeTests(ITestOutputHelper output)
{
    public static readonly TheoryData<TensorType> Types =
        new(TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K);

    public static TheoryData<string, TensorType> KernelsAndTypes()
    {
        var data = new TheoryData<string, TensorType>();
        foreach (var k in Kernels.Keys)
            foreach (var t in (TensorType[])[TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K])
                data.Add(k, t);
        return data;
    }

    /// <summary>Every integer kernel family: the widest path (VNNI tiles where the CPU has them), AVX2
    /// without VNNI, scalar.</summary>
    private static readonly Dictionary<string, CpuKernelOptions> Kernels = new()
    {
        ["best"] = new() { Path = SimdPaths.Best },
        ["avx2-no-vnni"] = new() { Path = SimdPaths.IsSupported(SimdPath.Avx2) ? SimdPath.Avx2 : SimdPath.Scalar, UseVnni = false },
        ["scalar"] = new() { Path = SimdPath.Scalar },
    };

    // 75 rows: partial panels of the 4- and 8-row kernels; 512 columns: two super-blocks, 16 Q8_0
    // blocks; 19 tokens: two groups of 8 (the VNNI batch tiles) and 3 left over
    private const int Rows = 75, Cols = 512, N = 19;

    [Theory]
    [MemberData(nameof(KernelsAndTypes))]
    public void Every_simd_path_equals_the_quantised_reference(string kernel, TensorType type)
    {
        using var w = new NativeMatrix(TestData.Random(Rows * Cols, 71), Rows, Cols, type);
        var x = Activations(72);
        var expected = new float[N * Rows];
        new ReferenceKernels(quantizeActivations: true).MatMul(w.Matrix, x, expected, N);

        using var three = new CpuKernels(3, Kernels[kernel]);
        using var one = new CpuKernels(1, Kernels[kernel]);
        var batched = new float[N * Rows];
        three.MatMul(w.Matrix, x, batched, N);
        var alone = new float[N * Rows];
        for (int t = 0; t < N; t++) one.MatMul(w.Matrix, x.AsSpan(t * Cols, Cols), alone.AsSpan(t * Rows, Rows), 1);

        var (batchedErr, batchedBits) = Distance(expected, batched);
        var (aloneErr, aloneBits) = Distance(expected, alone);
        output.WriteLine($"{kernel} {type}: batched max rel {batchedErr:G3} ({batchedBits} of {expected.Length} differ), alone {aloneErr:G3} ({aloneBits} differ)");
        // the same quants and the same per-block integer sums; only the float order may differ (today: none)
        Assert.True(batchedErr <= 1e-6 && aloneErr <= 1e-6, $"{kernel} {type}: max relative error batched {batchedErr:G3}, alone {aloneErr:G3}");
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Quantised_reference_is_the_decoded_weights_times_the_dequantised_activations(TensorType type)
    {
        using var w = new NativeMatrix(TestData.Random(Rows * Cols, 73), Rows, Cols, type);
        var x = Activations(74);
        var xq = type is TensorType.Q8_0 or TensorType.Q4_0 ? ActivationReference.Q8_0(x) : ActivationReference.Q8_K(x);
        var expected = new float[N * Rows];
        new ReferenceKernels(quantizeActivations: false).MatMul(w.Matrix, xq, expected, N);
        var actual = new float[N * Rows];
        new ReferenceKernels(quantizeActivations: true).MatMul(w.Matrix, x, actual, N);
        double nmse = TestData.Nmse(expected, actual);
        output.WriteLine($"{type}: nmse {nmse:G3}");
        // integer sums are exact; the exact reference sums d·q products in double, this one in F32 per block
        Assert.True(nmse < 1e-12, $"{type}: nmse {nmse}");
        var exact = new float[N * Rows];
        new ReferenceKernels(quantizeActivations: false).MatMul(w.Matrix, x, exact, N);
        Assert.True(TestData.Nmse(exact, actual) > 1e-10, $"{type}: the quantised mode cannot equal F32 activations on random data");
    }

    [Theory]
    [InlineData(TensorType.F32)]
    [InlineData(TensorType.F16)]
    [InlineData(TensorType.BF16)]
    public void Plain_weight_types_keep_f32_activations_in_either_mode(TensorType type)
    {
        const int cols = 96;
        using var w = new NativeMatrix(TestData.Random(Rows * cols, 75), Rows, cols, type);
        var x = TestData.Random(3 * cols, 76);
        var quantised = new float[3 * Rows];
        var exact = new float[3 * Rows];
        new ReferenceKernels(quantizeActivations: true).MatMul(w.Matrix, x, quantised, 3);
        new ReferenceKernels(quantizeActivations: false).MatMul(w.Matrix, x, exact, 3);
        Assert.Equal(exact, quantised);
    }

    [Fact]
    public void The_default_is_the_quantised_mode_as_on_the_cpu_backend()
    {
        Assert.True(new ReferenceKernels().QuantizeActivations);
        Assert.True(new CpuKernelOptions().QuantizeQ8Activations);
        using var w = new NativeMatrix(TestData.Random(8 * 64, 77), 8, 64, TensorType.Q8_0);
        var x = TestData.Random(64, 78);
        var byDefault = new float[8];
        var quantised = new float[8];
        new ReferenceKernels().MatMul(w.Matrix, x, byDefault, 1);
        new ReferenceKernels(quantizeActivations: true).MatMul(w.Matrix, x, quantised, 1);
        Assert.Equal(quantised, byDefault);
    }

    [Fact]
    public unsafe void Q8_0_quantiser_gives_the_cpu_quants_and_scales()
    {
        var x = TestData.Random(4 * 32, 79, scale: 3);
        x[3] = 40;                                    // an outlier sets block 0's scale
        for (int j = 32; j < 64; j++) x[j] = 0;       // an all-zero block
        for (int j = 64; j < 96; j++) x[j] = (j - 80) * 0.5f;   // amax 8: halfway cases
        var q = new sbyte[x.Length];
        var d = new float[4];
        ReferenceActivationQuantizer.QuantizeQ8_0(x, q, d);
        var cpuQ = new sbyte[x.Length];
        var cpuD = new float[4];
        fixed (float* px = x)
        fixed (sbyte* pq = cpuQ)
            for (int b = 0; b < 4; b++) ActivationQuantizer.QuantizeBlock(px + 32 * b, pq + 32 * b, out cpuD[b], out _);
        Assert.Equal(cpuD, d);
        Assert.Equal(cpuQ, q);
        Assert.Equal((float)(Half)(40f / 127f), d[0]);
        Assert.Equal(127, q[3]);
        Assert.Equal(0f, d[1]);
        Assert.Equal(-127, q[64]);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public unsafe void Q8_K_quantiser_gives_the_cpu_quants_and_scales(bool simd)
    {
        Skip.If(simd && !System.Runtime.Intrinsics.X86.Avx2.IsSupported, "no AVX2 on this CPU");
        var x = TestData.Random(3 * 256, 80, scale: 2);
        x[10] = -5; x[100] = 5;                       // a tie in magnitude: the first (negative) one sets the sign
        x[300] = 0.5f * 4 / 127;                      // halfway cases in the second block (max 4 below)
        x[301] = 1.5f * 4 / 127;
        x[400] = 4;
        for (int j = 512; j < 768; j++) x[j] = 0;     // an all-zero block
        var q = new sbyte[x.Length];
        var d = new float[3];
        ReferenceActivationQuantizer.QuantizeQ8_K(x, q, d);
        var cpuQ = new sbyte[x.Length];
        var cpuD = new float[3];
        var sums = new short[x.Length / 16];
        fixed (float* px = x)
        fixed (sbyte* pq = cpuQ)
        fixed (short* ps = sums)
            for (int b = 0; b < 3; b++) Q8KQuantizer.QuantizeBlock(px + 256 * b, pq + 256 * b, out cpuD[b], ps + 16 * b, simd);
        Assert.Equal(cpuD, d);
        Assert.Equal(cpuQ, q);
        Assert.Equal(-127, q[10]);
        Assert.Equal(127, q[100]);
        Assert.Equal(0f, d[2]);
    }

    [Fact]
    public void Activations_that_are_not_whole_blocks_are_refused_with_the_sizes()
    {
        var e = Assert.Throws<ArgumentException>(() => ReferenceActivationQuantizer.QuantizeQ8_K(new float[320], new sbyte[320], new float[2]));
        Assert.Contains("320", e.Message);
        Assert.Contains("256", e.Message);
        Assert.Throws<NotSupportedException>(() => ReferenceActivationQuantizer.BlockFor(TensorType.F16));
    }

    /// <summary>N tokens of Cols values with an outlier (one block's scale set by a single value) and an
    /// all-zero super-block in one token.</summary>
    private static float[] Activations(int seed)
    {
        var x = TestData.Random(N * Cols, seed, scale: 3);
        x[7] = 40;
        for (int j = 5 * Cols; j < 5 * Cols + 256; j++) x[j] = 0;
        return x;
    }

    /// <summary>The largest |a − b| relative to max|a|, and how many values differ in any bit.</summary>
    private static (double MaxRelative, int Differing) Distance(float[] expected, float[] actual)
    {
        double scale = expected.Max(v => Math.Abs((double)v)), worst = 0;
        int differing = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]) / scale);
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i])) differing++;
        }
        return (worst, differing);
    }
}
