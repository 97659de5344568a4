using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary><c>MatMulShared</c>: the products of one input with Q/K/V-like (three) or gate/up-like (two) matrices,
/// run as one pass over one quantisation of the input, give exactly the bits of separate <c>MatMul</c> calls, on every
/// path and batch size; matrices that cannot share a pass (different activation formats) fall back to one by one.</summary>
public sealed class SharedMatMulTests
{
    public static TheoryData<SimdPath, string> PathsAndSets()
    {
        var data = new TheoryData<SimdPath, string>();
        foreach (var path in Enum.GetValues<SimdPath>())
            foreach (string set in new[] { "F32,F32,F32", "F16,F16", "Q8_0,Q8_0,Q8_0", "Q4_0,Q4_0", "Q4_K,Q4_K,Q6_K", "Q5_K,Q5_K", "Q8_0,Q4_K,F32" })
                data.Add(path, set);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(PathsAndSets))]
    public void Shared_products_equal_separate_products_bit_for_bit(SimdPath path, string set)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        const int cols = 512;
        var types = set.Split(',').Select(Enum.Parse<TensorType>).ToArray();
        int[] rows = [40, 24, 36];
        var matrices = types.Select((t, i) => new NativeMatrix(TestData.Random(rows[i] * cols, 40 + i), rows[i], cols, t)).ToArray();
        try
        {
            using var cpu = new CpuKernels(3, path);
            foreach (int n in new[] { 1, 5, 9 })
            {
                var x = TestData.Random(n * cols, 50 + n);
                var separate = matrices.Select(m => new float[n * m.Matrix.Rows]).ToArray();
                for (int i = 0; i < matrices.Length; i++) cpu.MatMul(matrices[i].Matrix, x, separate[i], n);

                var shared = matrices.Select(m => new float[n * m.Matrix.Rows]).ToArray();
                var third = matrices.Length == 3 ? matrices[2].Matrix : default;
                cpu.MatMulShared(x, n, matrices[0].Matrix, shared[0], matrices[1].Matrix, shared[1], third, matrices.Length == 3 ? shared[2] : default);
                for (int i = 0; i < matrices.Length; i++)
                    Assert.True(separate[i].AsSpan().SequenceEqual(shared[i]), $"{set} on {path}, {n} tokens: product {i} differs from MatMul");
            }
        }
        finally
        {
            foreach (var m in matrices) m.Dispose();
        }
    }

    [Fact]
    public void The_reference_kernels_run_shared_products_one_by_one()
    {
        const int cols = 64, n = 3;
        using var a = new NativeMatrix(TestData.Random(8 * cols, 60), 8, cols, TensorType.Q8_0);
        using var b = new NativeMatrix(TestData.Random(4 * cols, 61), 4, cols, TensorType.F32);
        var x = TestData.Random(n * cols, 62);
        var reference = new ReferenceKernels();
        var (ya, yb) = (new float[n * 8], new float[n * 4]);
        reference.MatMulShared(x, n, a.Matrix, ya, b.Matrix, yb, default, default);
        var (ea, eb) = (new float[n * 8], new float[n * 4]);
        reference.MatMul(a.Matrix, x, ea, n);
        reference.MatMul(b.Matrix, x, eb, n);
        Assert.Equal(ea, ya);
        Assert.Equal(eb, yb);
    }
}
