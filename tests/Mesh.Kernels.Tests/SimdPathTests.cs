using System.Runtime.InteropServices;
using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>Each forced kernel path (AVX-512, AVX2, scalar) against the scalar reference in the same
/// activation mode (Q8_0 quantised, the default, and exact), and the invariant the engine relies on: a token's product is bit-identical whether it is computed alone or
/// inside a batch, on any thread count, across token blocks and partial tiles.</summary>
public sealed class SimdPathTests
{
    public static TheoryData<SimdPath, TensorType, bool> PathsTypesAndModes()
    {
        var data = new TheoryData<SimdPath, TensorType, bool>();
        foreach (var p in Enum.GetValues<SimdPath>())
        {
            foreach (var t in new[] { TensorType.F32, TensorType.F16, TensorType.BF16, TensorType.Q8_0 })
                data.Add(p, t, false);
            data.Add(p, TensorType.Q8_0, true);
        }
        return data;
    }

    public static TheoryData<SimdPath> Paths() => new(Enum.GetValues<SimdPath>());

    [SkippableTheory]
    [MemberData(nameof(PathsTypesAndModes))]
    public void MatMul_on_a_forced_path_matches_reference(SimdPath path, TensorType type, bool quantise)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        // 70 rows: a partial panel of 2; 224 cols: whole Q8_0 blocks, and a k % 16 tail of 0 on AVX-512
        const int rows = 70, cols = 224, n = 7;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 21), rows, cols, type);
        var x = TestData.Random(n * cols, 22);
        var expected = new float[n * rows];
        new ReferenceKernels(quantise).MatMul(w.Matrix, x, expected, n);
        using var cpu = new CpuKernels(2, new CpuKernelOptions { Path = path, QuantizeQ8Activations = quantise });
        var actual = new float[n * rows];
        cpu.MatMul(w.Matrix, x, actual, n);
        // quantised: the same quants and integer block sums as the reference, float order only
        double tolerance = quantise ? 1e-12 : 1e-10;
        Assert.True(TestData.Nmse(expected, actual) < tolerance, $"{path} {type} quantise={quantise}: nmse {TestData.Nmse(expected, actual)}");
    }

    [SkippableTheory]
    [InlineData(SimdPath.Avx512, 4100)]   // k % 16 = 4: the scalar tail after the reduction
    [InlineData(SimdPath.Avx2, 4100)]
    [InlineData(SimdPath.Scalar, 4100)]
    [InlineData(SimdPath.Avx512, 1000)]
    public void A_token_gets_the_same_bits_alone_or_in_any_batch(SimdPath path, int cols)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        // 37 tokens of 4100 floats span two L2 token blocks and end in a partial 4-token tile
        const int rows = 70, n = 37;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 23), rows, cols, TensorType.F32);
        var x = TestData.Random(n * cols, 24);
        using var one = new CpuKernels(1, path);
        using var three = new CpuKernels(3, path);
        var batched = new float[n * rows];
        three.MatMul(w.Matrix, x, batched, n);
        var alone = new float[rows];
        for (int t = 0; t < n; t++)
        {
            one.MatMul(w.Matrix, x.AsSpan(t * cols, cols), alone, 1);
            Assert.Equal(alone, batched.AsSpan(t * rows, rows).ToArray());
        }
        var firstFive = new float[5 * rows];
        one.MatMul(w.Matrix, x.AsSpan(0, 5 * cols), firstFive, 5);
        Assert.Equal(batched.AsSpan(0, 5 * rows).ToArray(), firstFive);
        // three tokens: on AVX-512 two of them share a pass of the paired panels, the third runs alone
        var trio = new float[3 * rows];
        one.MatMul(w.Matrix, x.AsSpan(4 * cols, 3 * cols), trio, 3);
        Assert.Equal(batched.AsSpan(4 * rows, 3 * rows).ToArray(), trio);
    }

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void A_q8_0_token_gets_the_same_bits_widened_in_registers_or_through_a_panel(SimdPath path)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        // exact mode: 1–3 tokens widen Q8_0 in registers, 4 or more through a widened panel
        const int rows = 70, cols = 320, n = 37;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 27), rows, cols, TensorType.Q8_0);
        var x = TestData.Random(n * cols, 28);
        using var cpu = new CpuKernels(2, new CpuKernelOptions { Path = path, QuantizeQ8Activations = false });
        AssertEveryTokenAloneEqualsTheBatch(cpu, w.Matrix, x, rows, cols, n);
    }

    [SkippableTheory]
    [InlineData(SimdPath.Avx512, 4100)]   // k % 16 = 4: the tail widened one half at a time
    [InlineData(SimdPath.Avx2, 4100)]
    [InlineData(SimdPath.Scalar, 4100)]
    [InlineData(SimdPath.Avx512, 320)]
    [InlineData(SimdPath.Avx512, 4120)]   // k % 32 = 24: a last 16 columns in natural order after the pair-order chunks
    public void An_f16_token_gets_the_same_bits_widened_in_registers_or_through_a_panel(SimdPath path, int cols)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        // 1–3 tokens widen F16 rows in registers, 4 or more through a widened panel
        const int rows = 70, n = 37;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 29), rows, cols, TensorType.F16);
        var x = TestData.Random(n * cols, 30);
        using var cpu = new CpuKernels(2, path);
        AssertEveryTokenAloneEqualsTheBatch(cpu, w.Matrix, x, rows, cols, n);
    }

    /// <summary>Each of the n tokens alone (1 token: widened in registers) and tokens 4–6 together (3) give
    /// the bits of the whole batch (4 or more: through a widened panel).</summary>
    private static void AssertEveryTokenAloneEqualsTheBatch(CpuKernels cpu, in WeightMatrix w, float[] x, int rows, int cols, int n)
    {
        var batched = new float[n * rows];
        cpu.MatMul(w, x, batched, n);
        var alone = new float[rows];
        for (int t = 0; t < n; t++)
        {
            cpu.MatMul(w, x.AsSpan(t * cols, cols), alone, 1);
            Assert.Equal(batched.AsSpan(t * rows, rows).ToArray(), alone);
        }
        var three = new float[3 * rows];
        cpu.MatMul(w, x.AsSpan(4 * cols, 3 * cols), three, 3);
        Assert.Equal(batched.AsSpan(4 * rows, 3 * rows).ToArray(), three);
    }

    [SkippableTheory]
    [InlineData(SimdPath.Avx512, 4100)]   // k % 16 = 4: the tail widened one value at a time
    [InlineData(SimdPath.Avx512, 1000)]
    [InlineData(SimdPath.Avx2, 1000)]
    public void A_bf16_token_gets_the_same_bits_widened_in_registers_or_through_a_panel(SimdPath path, int cols)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        // 1–3 tokens on AVX-512 widen BF16 rows in registers (paired panels), 4 or more through a widened panel
        const int rows = 70, n = 37;
        using var w = new NativeMatrix(TestData.Random(rows * cols, 31), rows, cols, TensorType.BF16);
        var x = TestData.Random(n * cols, 32);
        using var cpu = new CpuKernels(2, path);
        AssertEveryTokenAloneEqualsTheBatch(cpu, w.Matrix, x, rows, cols, n);
    }

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public unsafe void Attention_on_a_forced_path_matches_reference(SimdPath path)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        const int heads = 8, kvHeads = 2, headDim = 24, blockSize = 16, layers = 1, blocks = 6, length = 70;
        int kvDim = kvHeads * headDim;
        long floats = (long)blocks * layers * 2 * blockSize * kvDim;
        var pool = (float*)NativeMemory.AlignedAlloc((nuint)(floats * 4), 64);
        try
        {
            TestData.Random((int)floats, 25).CopyTo(new Span<float>(pool, (int)floats));
            var view = new PagedKvView(pool, blockSize, kvDim, layers, layer: 0);
            int[] table = [4, 1, 5, 0, 2];
            var q = TestData.Random(heads * headDim, 26);
            var expected = new float[heads * headDim];
            var actual = new float[heads * headDim];
            var scores = new float[length];
            new ReferenceKernels().Attention(q, view, table, length, expected, scores, heads, kvHeads, headDim, 0, heads);
            using var cpu = new CpuKernels(1, path);
            cpu.Attention(q, view, table, length, actual, scores, heads, kvHeads, headDim, 0, heads);
            Assert.True(TestData.Nmse(expected, actual) < 1e-10, $"{path}: nmse {TestData.Nmse(expected, actual)}");
        }
        finally { NativeMemory.AlignedFree(pool); }
    }

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public unsafe void A_run_of_prompt_tokens_attends_exactly_as_each_token_alone(SimdPath path)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        const int heads = 4, kvHeads = 2, blockSize = 16, layers = 1, blocks = 8, context = 128;
        int[] table = [7, 2, 5, 0, 3, 6, 1, 4];
        using var cpu = new CpuKernels(1, path);
        // 64: the register tiles; 24: their remainders. Runs start on and off block and 4-key boundaries.
        foreach (int headDim in (int[])[64, 24])
        {
            int kvDim = kvHeads * headDim, qDim = heads * headDim;
            long floats = (long)blocks * layers * 2 * blockSize * kvDim;
            var pool = (float*)NativeMemory.AlignedAlloc((nuint)(floats * 4), 64);
            try
            {
                TestData.Random((int)floats, 27).CopyTo(new Span<float>(pool, (int)floats));
                var view = new PagedKvView(pool, blockSize, kvDim, layers, layer: 0);
                foreach (var (length, queries) in ((int, int)[])[(1, 8), (13, 3), (16, 4), (30, 5), (61, 8), (100, 7), (120, 2)])
                {
                    var q = TestData.Random(queries * qDim, 28 + length);
                    var together = new float[queries * qDim];
                    cpu.AttentionRun(q, queries, view, table, length, together, new float[queries * context], heads, kvHeads, headDim, 0, heads);
                    for (int i = 0; i < queries; i++)
                    {
                        var alone = new float[qDim];
                        cpu.Attention(q.AsSpan(i * qDim, qDim), view, table, length + i, alone, new float[context], heads, kvHeads, headDim, 0, heads);
                        Assert.True(alone.AsSpan().SequenceEqual(together.AsSpan(i * qDim, qDim)),
                            $"{path}, head dim {headDim}: token {i} of a run of {queries} from position {length - 1} differs from it alone");
                    }
                    var reference = new float[queries * qDim];
                    new ReferenceKernels().AttentionRun(q, queries, view, table, length, reference, new float[queries * context], heads, kvHeads, headDim, 0, heads);
                    Assert.True(TestData.Nmse(reference, together) < 1e-10, $"{path}: nmse {TestData.Nmse(reference, together)}");
                }
            }
            finally { NativeMemory.AlignedFree(pool); }
        }
    }

    [Fact]
    public void A_run_too_long_for_its_scores_is_refused()
    {
        using var cpu = new CpuKernels(1);
        var e = Assert.Throws<ArgumentException>(() => cpu.AttentionRun(new float[4 * 8], 4, default, [0], 10, new float[4 * 8], new float[4 * 12], 1, 1, 8, 0, 1));
        Assert.Contains("scores", e.Message);
    }

    [Fact]
    public void An_unsupported_path_is_refused_with_the_reason()
    {
        foreach (var p in Enum.GetValues<SimdPath>().Where(p => !SimdPaths.IsSupported(p)))
        {
            var e = Assert.Throws<PlatformNotSupportedException>(() => new CpuKernels(1, p));
            Assert.Contains(p.ToString(), e.Message);
        }
        Assert.True(SimdPaths.IsSupported(SimdPaths.Best));
    }
}
