using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>Q8_0 weights × activations quantised per token (the default): close to the F32 product,
/// identical bits on every integer kernel (VNNI tile, VNNI one-token, AVX2, scalar), for a token alone or
/// in any batch; and the exact mode (F32 activations) held to the exact reference.</summary>
public sealed class Q8ActivationTests
{
    private static readonly CpuKernelOptions[] Kernels =
    [
        new() { Path = SimdPaths.Best, QuantizeQ8Activations = true },
        new() { Path = SimdPaths.IsSupported(SimdPath.Avx2) ? SimdPath.Avx2 : SimdPath.Scalar, UseVnni = false, QuantizeQ8Activations = true },
        new() { Path = SimdPath.Scalar, QuantizeQ8Activations = true },
    ];

    [Fact]
    public void Quantised_activations_stay_close_to_the_reference()
    {
        const int rows = 72, cols = 256, n = 11;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 31), rows, cols, TensorType.Q8_0);
        var x = TestData.Random(n * cols, 32);
        var expected = new float[n * rows];
        new ReferenceKernels(quantizeActivations: false).MatMul(w.Matrix, x, expected, n);
        foreach (var o in Kernels)
        {
            using var cpu = new CpuKernels(2, o);
            var y = new float[n * rows];
            cpu.MatMul(w.Matrix, x, y, n);
            double nmse = TestData.Nmse(expected, y);
            Assert.True(nmse < 1e-4, $"{o}: nmse {nmse}");
            Assert.True(nmse > 0, "quantised activations cannot be exact on random data");
        }
    }

    [Fact]
    public void Every_kernel_gives_the_same_bits_alone_or_in_any_batch()
    {
        // 19 tokens: two VNNI groups of 8 and 3 one-token remainders; 75 rows: a partial panel of 3
        const int rows = 75, cols = 320, n = 19;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 33), rows, cols, TensorType.Q8_0);
        var x = TestData.Random(n * cols, 34, scale: 3);
        x[5] = 40;   // an outlier block
        float[]? first = null;
        foreach (var o in Kernels)
        {
            using var three = new CpuKernels(3, o);
            using var one = new CpuKernels(1, o);
            var batched = new float[n * rows];
            three.MatMul(w.Matrix, x, batched, n);
            first ??= batched;
            Assert.Equal(first, batched);
            var alone = new float[rows];
            for (int t = 0; t < n; t++)
            {
                one.MatMul(w.Matrix, x.AsSpan(t * cols, cols), alone, 1);
                Assert.Equal(batched.AsSpan(t * rows, rows).ToArray(), alone);
            }
            var nine = new float[9 * rows];
            one.MatMul(w.Matrix, x.AsSpan(10 * cols, 9 * cols), nine, 9);
            Assert.Equal(batched.AsSpan(10 * rows, 9 * rows).ToArray(), nine);
        }
    }

    [Fact]
    public void The_exact_mode_keeps_f32_activations()
    {
        const int rows = 40, cols = 192, n = 9;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 35), rows, cols, TensorType.Q8_0);
        var x = TestData.Random(n * cols, 36);
        var expected = new float[n * rows];
        new ReferenceKernels(quantizeActivations: false).MatMul(w.Matrix, x, expected, n);
        using var cpu = new CpuKernels(2, new CpuKernelOptions { QuantizeQ8Activations = false });
        var y = new float[n * rows];
        cpu.MatMul(w.Matrix, x, y, n);
        Assert.True(TestData.Nmse(expected, y) < 1e-10, $"nmse {TestData.Nmse(expected, y)}");
    }

    [Fact]
    public unsafe void Quantiser_rounds_to_even_and_keeps_the_block_sum()
    {
        var x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = (i - 16) * 0.5f;   // amax 8 → d = 8/127
        var q = new sbyte[32];
        fixed (float* px = x)
        fixed (sbyte* pq = q)
        {
            ActivationQuantizer.QuantizeBlock(px, pq, out float d, out int sum);
            // llama.cpp's Q8_0: the scale is stored as a half, the quants use 127/max unrounded
            Assert.Equal((float)(Half)(8f / 127f), d);
            Assert.NotEqual(8f / 127f, d);
            Assert.Equal(-127, q[0]);
            Assert.Equal(0, q[16]);
            Assert.Equal(q.Sum(v => (int)v), sum);
            float inv = 127f / 8f;
            for (int i = 0; i < 32; i++) Assert.Equal((int)MathF.Round(x[i] * inv, MidpointRounding.ToEven), q[i]);
        }
    }
}
