using System.Globalization;
using System.Text;
using Mesh.Kernels;

namespace Mesh.Engine.Model;

/// <summary>A human-readable summary of a loaded model, for <c>mesh model inspect</c>.</summary>
public static class ModelInspector
{
    public static string Describe(LoadedModel m)
    {
        var c = m.Config;
        long parameters = 0, bytes = 0;
        foreach (var t in m.Tensors)
        {
            long n = 1;
            foreach (long d in t.Shape) n *= d;
            parameters += n;
            bytes += t.ByteLength;
        }
        string types = string.Join(", ", m.Tensors.GroupBy(t => t.Type).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal)
            .Select(g => $"{g.Key} ×{g.Count()}"));
        string scaling = c.RopeScaling is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"llama3 (factor {s.Factor}, low {s.LowFreqFactor}, high {s.HighFreqFactor}, original context {s.OriginalContextLength})")
            : m.Weights.RopeFreqFactors != null ? "per-frequency factors (rope_freqs)" : "none";

        var sb = new StringBuilder();
        void Line(string label, string value) => sb.Append(CultureInfo.InvariantCulture, $"{label,-14}{value}\n");
        Line("path", m.Path);
        Line("format", m.Format);
        Line("architecture", c.Architecture);
        Line("shape", $"dim {c.Dim}, layers {c.Layers}, heads {c.Heads}, kv heads {c.KvHeads}, head dim {c.HeadDim}, ffn {c.FfnDim}");
        Line("vocabulary", c.VocabSize.ToString(CultureInfo.InvariantCulture));
        Line("context", c.ContextLength.ToString(CultureInfo.InvariantCulture));
        Line("parameters", $"{parameters:N0} ({FormatCount(parameters)})");
        double bits = parameters > 0 ? 8.0 * bytes / parameters : 0;
        Line("weights", string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes ({FormatBytes(bytes)}, {bits:0.##} bits per parameter)"));
        Line("tensor types", types);
        Line("matrices", Matrices(m.Weights));
        Line("rope", string.Create(CultureInfo.InvariantCulture, $"{c.RopeStyle}, theta {c.RopeTheta}, scaling {scaling}"));
        Line("norm eps", c.RmsEps.ToString("R", CultureInfo.InvariantCulture));
        Line("qkv bias", c.QkvBias ? "yes" : "no");
        Line("embeddings", c.TiedEmbeddings ? "tied (output = token embedding)" : "separate output matrix");
        Line("tokenizer", m.Tokenizer.Describe());
        Line("chat format", m.ChatFormat?.Name ?? "none recognised");
        Line("fingerprint", m.Fingerprint);
        return sb.ToString();
    }

    /// <summary>The weight matrices by stored type, with counts; the products run on them in that
    /// type (mapped from the file, never widened into a copy of the model).</summary>
    private static unsafe string Matrices(LlamaWeights w)
    {
        var types = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Count(in WeightMatrix m) => types[m.Type.ToString()] = types.GetValueOrDefault(m.Type.ToString()) + 1;
        foreach (var l in w.Layers)
        {
            Count(l.Wq); Count(l.Wk); Count(l.Wv); Count(l.Wo); Count(l.Gate); Count(l.Up); Count(l.Down);
        }
        Count(w.TokenEmbedding);
        if (w.Output.Data != w.TokenEmbedding.Data) Count(w.Output);
        return string.Join(", ", types.Select(p => $"{p.Key} ×{p.Value}")) + " (computed in the stored types)";
    }

    private static string FormatCount(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (n / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (n / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    private static string FormatBytes(long n) => n switch
    {
        >= 1L << 30 => (n / (double)(1L << 30)).ToString("0.##", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (n / (double)(1L << 20)).ToString("0.##", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (n / (double)(1L << 10)).ToString("0.##", CultureInfo.InvariantCulture) + " KiB",
        _ => n.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
