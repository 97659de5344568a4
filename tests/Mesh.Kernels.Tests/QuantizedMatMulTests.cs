using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>Products with Q4_0, Q4_K, Q5_K and Q6_K weights. On every forced path each mode equals the
/// scalar reference in the same mode: exact mode (F32 activations, widened panels) and the quantised
/// default (Q8 activations for Q4_0, Q8_K for the K-quants). The quantised mode gives the same bits on
/// every integer kernel (VNNI, AVX2, scalar), for a token alone or in any batch on any thread count,
/// equals the definition — the decoded weights · the dequantised activations — up to float summation
/// order, and stays close to the F32 product.</summary>
public sealed class QuantizedMatMulTests
{
    public static readonly TheoryData<TensorType> Types = new(TensorType.Q4_0, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K);

    public static TheoryData<SimdPath, TensorType, bool> PathsTypesAndModes()
    {
        var data = new TheoryData<SimdPath, TensorType, bool>();
        foreach (var p in Enum.GetValues<SimdPath>())
            foreach (var t in (TensorType[])[TensorType.Q4_0, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K])
                foreach (bool quantise in (bool[])[false, true])
                    data.Add(p, t, quantise);
        return data;
    }

    private static readonly CpuKernelOptions[] Quantised =
    [
        new() { Path = SimdPaths.Best, QuantizeQ8Activations = true },
        new() { Path = SimdPaths.IsSupported(SimdPath.Avx2) ? SimdPath.Avx2 : SimdPath.Scalar, UseVnni = false, QuantizeQ8Activations = true },
        new() { Path = SimdPath.Scalar, QuantizeQ8Activations = true },
    ];

    // 75 rows: partial panels of the 4-row (K-quant) and 8-row (Q4_0) kernels; 512 columns: two
    // super-blocks; 11 tokens: two 4-token tiles and 3 single tokens
    private const int Rows = 75, Cols = 512, N = 11;

    [SkippableTheory]
    [MemberData(nameof(PathsTypesAndModes))]
    public void A_forced_path_matches_the_reference_in_the_same_mode(SimdPath path, TensorType type, bool quantise)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        using var w = new NativeMatrix(TestData.Random(Rows * Cols, 51), Rows, Cols, type);
        var x = TestData.Random(N * Cols, 52);
        var expected = new float[N * Rows];
        new ReferenceKernels(quantise).MatMul(w.Matrix, x, expected, N);
        using var cpu = new CpuKernels(2, new CpuKernelOptions { Path = path, QuantizeQ8Activations = quantise });
        var actual = new float[N * Rows];
        cpu.MatMul(w.Matrix, x, actual, N);
        // exact: F32 widening summed in another order than the reference's double sums; quantised: the same
        // quants and integer block sums, float order only
        double tolerance = quantise ? 1e-12 : 1e-10;
        Assert.True(TestData.Nmse(expected, actual) < tolerance, $"{path} {type} quantise={quantise}: nmse {TestData.Nmse(expected, actual)}");
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Every_integer_kernel_gives_the_same_bits_alone_or_in_any_batch(TensorType type)
    {
        using var w = new NativeMatrix(TestData.Random(Rows * Cols, 53), Rows, Cols, type);
        var x = TestData.Random(N * Cols, 54, scale: 3);
        x[7] = 40;   // an outlier: one block's scale set by a single value
        float[]? first = null;
        foreach (var o in Quantised)
        {
            using var three = new CpuKernels(3, o);
            using var one = new CpuKernels(1, o);
            var batched = new float[N * Rows];
            three.MatMul(w.Matrix, x, batched, N);
            first ??= batched;
            Assert.Equal(first, batched);
            var alone = new float[Rows];
            for (int t = 0; t < N; t++)
            {
                one.MatMul(w.Matrix, x.AsSpan(t * Cols, Cols), alone, 1);
                Assert.Equal(batched.AsSpan(t * Rows, Rows).ToArray(), alone);
            }
            var five = new float[5 * Rows];
            one.MatMul(w.Matrix, x.AsSpan(3 * Cols, 5 * Cols), five, 5);
            Assert.Equal(batched.AsSpan(3 * Rows, 5 * Rows).ToArray(), five);
        }
    }

    [Theory]
    [InlineData(TensorType.Q4_K, 1f)]
    [InlineData(TensorType.Q4_K, -1f)]
    [InlineData(TensorType.Q5_K, 1f)]
    [InlineData(TensorType.Q5_K, -1f)]
    [InlineData(TensorType.Q6_K, 1f)]
    [InlineData(TensorType.Q6_K, -1f)]
    public void The_largest_quants_against_the_largest_activations_overflow_no_integer_kernel(TensorType type, float sign)
    {
        // every quant at its top (all bits set), scales at their top, d = dmin = 1: each product q·x is as large as
        // it gets (x quantises to ∓127 everywhere), which is what the int16 sums of the batch tiles must hold
        const int rows = 32, cols = 512, n = 8;
        int blockBytes = (int)TensorTypes.ByteSize(type, 256);
        var raw = new byte[rows * cols / 256 * blockBytes];
        raw.AsSpan().Fill(0xFF);
        for (int b = 0; b < raw.Length / blockBytes; b++)
        {
            var block = raw.AsSpan(b * blockBytes, blockBytes);
            if (type == TensorType.Q6_K)
            {
                block[192..208].Fill(0x7F);                 // int8 group scales
                block[208] = 0x00; block[209] = 0x3C;       // d = 1
            }
            else
            {
                block[0] = 0x00; block[1] = 0x3C;           // d = 1
                block[2] = 0x00; block[3] = 0x3C;           // dmin = 1
            }
        }
        using var w = new NativeMatrix(raw, rows, cols, type);
        var x = Enumerable.Repeat(sign, n * cols).ToArray();
        float[]? first = null;
        foreach (var o in Quantised)
        {
            using var cpu = new CpuKernels(2, o);
            var y = new float[n * rows];
            cpu.MatMul(w.Matrix, x, y, n);
            Assert.All(y, v => Assert.True(float.IsFinite(v) && v != 0, $"{o.Path}: {v}"));
            first ??= y;
            Assert.Equal(first, y);
        }
        var reference = new float[n * rows];
        new ReferenceKernels(quantizeActivations: true).MatMul(w.Matrix, x, reference, n);
        Assert.True(TestData.Nmse(reference, first!) < 1e-12, $"nmse {TestData.Nmse(reference, first!)}");
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Quantised_product_is_the_decoded_weights_times_the_dequantised_activations(TensorType type)
    {
        using var w = new NativeMatrix(TestData.Random(Rows * Cols, 55), Rows, Cols, type);
        var x = TestData.Random(N * Cols, 56);
        var xq = type == TensorType.Q4_0 ? ActivationReference.Q8_0(x) : ActivationReference.Q8_K(x);
        var expected = new float[N * Rows];
        new ReferenceKernels(quantizeActivations: false).MatMul(w.Matrix, xq, expected, N);
        foreach (var o in Quantised)
        {
            using var cpu = new CpuKernels(2, o);
            var y = new float[N * Rows];
            cpu.MatMul(w.Matrix, x, y, N);
            // the integer dots are exact; what is left is float rounding of the decoded weights and the
            // order of a few sums per row (measured ≤ 1.1e-14)
            Assert.True(TestData.Nmse(expected, y) < 1e-12, $"{o.Path} {type}: nmse {TestData.Nmse(expected, y)}");
        }
    }

    // measured: Q4_0 4.5e-3, Q4_K 4.1e-3, Q5_K 9.6e-4, Q6_K 2.9e-4 (the plain encoders' weight error
    // dominates; the activation rounding adds little)
    [Theory]
    [InlineData(TensorType.Q4_0, 7e-3)]
    [InlineData(TensorType.Q4_K, 7e-3)]
    [InlineData(TensorType.Q5_K, 1.5e-3)]
    [InlineData(TensorType.Q6_K, 5e-4)]
    public void Quantised_weights_and_activations_stay_close_to_the_f32_product(TensorType type, double tolerance)
    {
        var values = TestData.Random(Rows * Cols, 57);
        var x = TestData.Random(N * Cols, 58);
        using var f32 = new NativeMatrix(values, Rows, Cols, TensorType.F32);
        var exact = new float[N * Rows];
        new ReferenceKernels(quantizeActivations: false).MatMul(f32.Matrix, x, exact, N);
        using var w = new NativeMatrix(values, Rows, Cols, type);
        using var cpu = new CpuKernels(2, Quantised[0]);
        var y = new float[N * Rows];
        cpu.MatMul(w.Matrix, x, y, N);
        double nmse = TestData.Nmse(exact, y);
        Assert.True(nmse < tolerance && nmse > 0, $"{type}: nmse {nmse}");
    }
}
