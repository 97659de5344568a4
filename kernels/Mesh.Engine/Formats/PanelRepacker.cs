using System.Runtime.InteropServices;
using Mesh.Engine.KvCache;
using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Engine.Formats;

/// <summary>
/// Rewrites a model's Q8_0, Q4_K and Q6_K matrices in the panel layouts of 8 rows (<see cref="TensorType.Q8_0x8"/>,
/// <see cref="TensorType.Q4_Kx8"/>, <see cref="TensorType.Q6_Kx8"/>), into one anonymous buffer (2 MiB pages where Linux allows), and lets go of the
/// file pages they were read from, so resident memory stays about the file's size (Q4_K panels are 2.8 % larger:
/// their 6-bit scales unpacked). The panel layouts give the same bits as the rows (<see cref="Q8Panels"/>,
/// <see cref="Q4KPanels"/>, <see cref="Q6KPanels"/>) and let one-token products keep the rows in the lanes: one stream per panel, no
/// cross-lane reduction, the scales of 8 rows in one load. An untied token embedding is left in rows (it is only read a row at a time); a tied one is rearranged,
/// being the output matrix too. Matrices that are not whole panels of 8 rows stay rows. It runs in the background after load
/// (<see cref="Job"/>): on this VM a fresh anonymous page costs more than copying into it, ~0.2–0.5 s for 358 MB.
/// </summary>
internal static unsafe partial class PanelRepacker
{
    private const int MadvDontNeed = 4;
    private const int MadvPopulateRead = 22;   // Linux 5.14+; elsewhere the call fails and the reads fault page by page
    private const long Page = 4096;

    /// <summary>Whether <paramref name="w"/> holds a matrix that would be rewritten.</summary>
    public static bool HasWork(LlamaWeights w) => Eligible(w).Count > 0;

    private static List<WeightMatrix> Eligible(LlamaWeights w)
    {
        var matrices = new List<WeightMatrix>();
        void Consider(in WeightMatrix m)
        {
            if (PanelLayouts.PanelType(m.Type, m.Rows, m.Cols) is not null) matrices.Add(m);
        }
        foreach (var l in w.Layers)
        {
            Consider(l.Wq); Consider(l.Wk); Consider(l.Wv); Consider(l.Wo); Consider(l.Gate); Consider(l.Up); Consider(l.Down);
        }
        // a tied output is also the embedding: rearranged, its rows are read back one at a time (StoredRows.Get);
        // an untied embedding is only ever read by rows and stays as it is
        Consider(w.Output);
        return matrices;
    }

    /// <summary>The rewrite running on the thread pool; owns the panel buffer. Disposing waits for it to finish
    /// (so the file is never unmapped under it) and frees the buffer.</summary>
    public sealed class Job : IDisposable
    {
        private IDisposable? _buffer;

        public Job(LlamaWeights rows)
        {
            Weights = Task.Run(() =>
            {
                var (weights, buffer) = Repack(rows);
                _buffer = buffer;
                return weights;
            });
        }

        /// <summary>The weights with panels; faults if the rewrite failed (the rows stay usable).</summary>
        public Task<LlamaWeights> Weights { get; }

        public void Dispose()
        {
            try { Weights.Wait(); } catch (AggregateException) { }
            _buffer?.Dispose();
            _buffer = null;
        }
    }

    private static TensorType PanelType(in WeightMatrix m) => PanelLayouts.PanelType(m.Type, m.Rows, m.Cols)!.Value;

    private static long PanelBytes(in WeightMatrix m) => TensorTypes.ByteSize(PanelType(m), (long)m.Rows * m.Cols);

    /// <summary>The weights with every eligible matrix in panels, and the buffer holding them (null when
    /// nothing was eligible); the caller owns the buffer and must keep it alive as long as the weights.</summary>
    public static (LlamaWeights Weights, IDisposable? Buffer) Repack(LlamaWeights w)
    {
        var matrices = Eligible(w);
        if (matrices.Count == 0) return (w, null);

        var offsets = new long[matrices.Count];
        long total = 0;
        for (int i = 0; i < matrices.Count; i++)
        {
            offsets[i] = total;
            total += (PanelBytes(matrices[i]) + 63) & ~63L;
        }
        var buffer = new PanelBuffer(HugePages.Allocate((nuint)total));
        var moved = new Dictionary<nint, WeightMatrix>();
        try
        {
            // by 64-row slices so the output matrix does not hold one thread for a third of the time
            var slices = new List<(int Matrix, int Row0, int Row1)>();
            for (int i = 0; i < matrices.Count; i++)
                for (int r = 0; r < matrices[i].Rows; r += 64) slices.Add((i, r, Math.Min(matrices[i].Rows, r + 64)));
            // map each matrix's file pages in one call each rather than a fault per 4 KiB page
            Parallel.ForEach(matrices, m => Advise(m.Data, m.ByteLength, MadvPopulateRead));
            Parallel.ForEach(slices, s =>
            {
                var m = matrices[s.Matrix];
                PanelLayouts.Repack(m, buffer.Memory + offsets[s.Matrix], s.Row0, s.Row1);
            });
            for (int i = 0; i < matrices.Count; i++)
            {
                var m = matrices[i];
                moved[(nint)m.Data] = new WeightMatrix(buffer.Memory + offsets[i], m.Rows, m.Cols, PanelType(m));
                Advise(m.Data, m.ByteLength, MadvDontNeed);
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        WeightMatrix Moved(in WeightMatrix m) => moved.TryGetValue((nint)m.Data, out var p) ? p : m;
        var layers = w.Layers.Select(l => new LayerWeights
        {
            AttnNorm = l.AttnNorm,
            Wq = Moved(l.Wq), Wk = Moved(l.Wk), Wv = Moved(l.Wv), Wo = Moved(l.Wo),
            Bq = l.Bq, Bk = l.Bk, Bv = l.Bv,
            FfnNorm = l.FfnNorm,
            Gate = Moved(l.Gate), Up = Moved(l.Up), Down = Moved(l.Down),
        }).ToArray();
        var weights = new LlamaWeights
        {
            TokenEmbedding = Moved(w.TokenEmbedding),
            Layers = layers,
            OutputNorm = w.OutputNorm,
            Output = Moved(w.Output),
            RopeFreqFactors = w.RopeFreqFactors,
        };
        return (weights, buffer);
    }

    /// <summary>madvise over the whole pages inside [p, p + bytes), so pages shared with a neighbouring tensor are left
    /// alone. MADV_DONTNEED unmaps them from this process (they stay in the page cache; a later read would fault them
    /// back in).</summary>
    private static void Advise(byte* p, long bytes, int advice)
    {
        if (!OperatingSystem.IsLinux()) return;
        long start = ((long)p + Page - 1) & ~(Page - 1), end = ((long)p + bytes) & ~(Page - 1);
        if (end > start) _ = Madvise((void*)start, (nuint)(end - start), advice);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);

    private sealed class PanelBuffer(byte* memory) : IDisposable
    {
        public byte* Memory { get; private set; } = memory;

        public void Dispose()
        {
            if (Memory == null) return;
            NativeMemory.AlignedFree(Memory);
            Memory = null;
        }
    }
}
