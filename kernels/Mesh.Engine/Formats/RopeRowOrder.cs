namespace Mesh.Engine.Formats;

/// <summary>The two row orders of a head's Q/K projection. GGUF <c>llama</c> pairs adjacent rows
/// (2i, 2i+1) for rotary frequency i; Hugging Face pairs rows (i, i + headDim/2). llama.cpp's
/// converter maps Hugging Face to GGUF by reshape(heads, 2, headDim/2, cols) → swap axes 1 and 2;
/// these functions do that and its inverse on whole heads.</summary>
public static class RopeRowOrder
{
    /// <summary>GGUF row order → Hugging Face row order: HF row j·half + i = GGUF row 2i + j.
    /// Both spans hold whole heads of <paramref name="headDim"/> rows of <paramref name="cols"/>.</summary>
    public static void InterleavedToHalves(ReadOnlySpan<float> interleaved, Span<float> halves, int headDim, int cols) =>
        Reorder(interleaved, halves, headDim, cols, toHalves: true);

    /// <summary>Hugging Face row order → GGUF row order (what llama.cpp's converter does).</summary>
    public static void HalvesToInterleaved(ReadOnlySpan<float> halves, Span<float> interleaved, int headDim, int cols) =>
        Reorder(halves, interleaved, headDim, cols, toHalves: false);

    private static void Reorder(ReadOnlySpan<float> src, Span<float> dst, int headDim, int cols, bool toHalves)
    {
        int half = headDim / 2;
        int heads = src.Length / (headDim * cols);
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++)
                {
                    int interleavedRow = h * headDim + 2 * i + j;
                    int halvesRow = h * headDim + j * half + i;
                    int from = toHalves ? interleavedRow : halvesRow;
                    int to = toHalves ? halvesRow : interleavedRow;
                    src.Slice(from * cols, cols).CopyTo(dst.Slice(to * cols, cols));
                }
    }
}
