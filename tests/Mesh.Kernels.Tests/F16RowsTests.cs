using Mesh.Kernels.Cpu;

namespace Mesh.Kernels.Tests;

/// <summary>The value side of F16 attention: <see cref="IDotTiles.F16MultiplyAddRows"/> widens the rows in registers
/// (AVX-512, AVX2) or through a scratch (scalar) and must give, element by element, the bits of
/// <see cref="IDotTiles.MultiplyAddRows"/> over the rows widened first — for head dims that take the 4-vector
/// loop, the 1-vector loop and the scalar tail.</summary>
public sealed unsafe class F16RowsTests
{
    [SkippableTheory]
    [InlineData(SimdPath.Avx512)]
    [InlineData(SimdPath.Avx2)]
    [InlineData(SimdPath.Scalar)]
    public void Values_widened_in_registers_accumulate_to_the_bits_of_the_widened_rows(SimdPath path)
    {
        Skip.IfNot(SimdPaths.IsSupported(path), $"this CPU cannot run {path}");
        foreach (int k in new[] { 24, 64, 80, 100, 136 })
        {
            const int rows = 13, ldv = 150;
            var halves = TestData.Random(rows * ldv, 50 + k).Select(f => BitConverter.HalfToUInt16Bits((Half)f)).ToArray();
            var p = TestData.Random(rows, 60 + k);
            var start = TestData.Random(k, 70 + k);
            var widened = new float[rows * k];
            for (int j = 0; j < rows; j++)
                for (int c = 0; c < k; c++) widened[j * k + c] = (float)BitConverter.UInt16BitsToHalf(halves[j * ldv + c]);
            var expected = (float[])start.Clone();
            var actual = (float[])start.Clone();
            var scratch = new float[rows * k];
            fixed (ushort* v = halves)
            fixed (float* pp = p, w = widened, e = expected, a = actual, s = scratch)
            {
                switch (path)
                {
                    case SimdPath.Avx512:
                        DotTiles512.MultiplyAddRows(w, k, rows, pp, 0, 1, e, 0, k);
                        DotTiles512.F16MultiplyAddRows(v, ldv, rows, pp, a, k, s);
                        break;
                    case SimdPath.Avx2:
                        DotTiles256.MultiplyAddRows(w, k, rows, pp, 0, 1, e, 0, k);
                        DotTiles256.F16MultiplyAddRows(v, ldv, rows, pp, a, k, s);
                        break;
                    default:
                        DotTilesScalar.MultiplyAddRows(w, k, rows, pp, 0, 1, e, 0, k);
                        DotTilesScalar.F16MultiplyAddRows(v, ldv, rows, pp, a, k, s);
                        break;
                }
            }
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{path}, head dim {k}: the in-register widening changed an output");
            Assert.NotEqual(start, actual);
        }
    }
}
