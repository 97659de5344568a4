using System.Runtime.InteropServices;
using Mesh.Engine.Formats;
using Mesh.Engine.Formats.Gguf;
using Mesh.Engine.Formats.Safetensors;
using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Formats;

public class ModelCreatorTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Create(string name, string format = "gguf", ulong seed = 7, string dtype = "f32", ModelCreateOptions? shape = null) =>
        ModelCreator.Create((shape ?? ModelCreateOptions.Preset("tiny")) with { Format = format, Seed = seed, DType = dtype, Out = _dir.File(name) });

    [Fact]
    public void Same_seed_gives_same_bytes_and_another_seed_does_not()
    {
        byte[] a = File.ReadAllBytes(Create("a.gguf"));
        byte[] b = File.ReadAllBytes(Create("b.gguf"));
        byte[] c = File.ReadAllBytes(Create("c.gguf", seed: 8));
        Assert.Equal(a, b);
        Assert.Equal(a.Length, c.Length);
        Assert.NotEqual(a, c);

        string sa = Create("sa", "safetensors"), sb = Create("sb", "safetensors"), sc = Create("sc", "safetensors", seed: 8);
        foreach (string f in new[] { "model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(sa, f)), File.ReadAllBytes(Path.Combine(sb, f)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(sa, "model.safetensors")), File.ReadAllBytes(Path.Combine(sc, "model.safetensors")));
    }

    [Fact]
    public void Gguf_and_safetensors_of_one_seed_hold_the_same_model()
    {
        var shape = ModelCreateOptions.Preset("tiny") with { TiedEmbeddings = false };
        using var gguf = GgufFile.Open(Create("m.gguf", shape: shape));
        using var st = SafetensorsFile.Open(Path.Combine(Create("m", "safetensors", shape: shape), "model.safetensors"));
        int headDim = shape.Dim / shape.Heads;
        var g = LlamaTensorNames.Gguf;
        var h = LlamaTensorNames.HuggingFace;

        var pairs = new List<(string Gguf, string Hf, bool Rope)>
        {
            (g.TokenEmbedding, h.TokenEmbedding, false), (g.OutputNorm, h.OutputNorm, false), (g.Output, h.Output, false),
        };
        for (int i = 0; i < shape.Layers; i++)
            foreach (LayerTensor t in new[] { LayerTensor.AttnNorm, LayerTensor.Q, LayerTensor.K, LayerTensor.V, LayerTensor.O,
                         LayerTensor.FfnNorm, LayerTensor.Gate, LayerTensor.Up, LayerTensor.Down })
                pairs.Add((g.Layer(i, t), h.Layer(i, t), t is LayerTensor.Q or LayerTensor.K));
        Assert.Equal(pairs.Count, gguf.Tensors.Count);
        Assert.Equal(pairs.Count, st.Tensors.Count);

        foreach (var (gn, hn, rope) in pairs)
        {
            var gt = gguf.FindTensor(gn)!;
            var ht = st.Tensors[hn];
            Assert.Equal(gt.Shape, ht.Shape);
            float[] fromGguf = MemoryMarshal.Cast<byte, float>(gguf.TensorBytes(gt)).ToArray();
            float[] fromHf = MemoryMarshal.Cast<byte, float>(st.TensorBytes(ht)).ToArray();
            if (rope)
            {
                Assert.NotEqual(fromGguf, fromHf);   // the rows really are stored in another order
                var unpermuted = new float[fromHf.Length];
                RopeRowOrder.HalvesToInterleaved(fromHf, unpermuted, headDim, shape.Dim);
                fromHf = unpermuted;
            }
            Assert.Equal(fromGguf, fromHf);
        }
    }

    [Fact]
    public void Hf_row_order_is_the_inverse_of_llama_cpp_permutation()
    {
        // llama.cpp: w.reshape(heads, 2, headDim/2, cols).swapaxes(1, 2) maps HF row (h, j, i) to GGUF row (h, i, j).
        int heads = 2, headDim = 6, cols = 1, half = headDim / 2;
        float[] hf = Enumerable.Range(0, heads * headDim).Select(r => (float)r).ToArray();
        var gguf = new float[hf.Length];
        RopeRowOrder.HalvesToInterleaved(hf, gguf, headDim, cols);
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++)
                    Assert.Equal(hf[h * headDim + j * half + i], gguf[h * headDim + i * 2 + j]);
        var back = new float[hf.Length];
        RopeRowOrder.InterleavedToHalves(gguf, back, headDim, cols);
        Assert.Equal(hf, back);
    }

    [Fact]
    public void Q8_0_matches_a_hand_computed_block()
    {
        var x = new float[64];
        float[] head = [127f, 2.5f, -2.5f, 0.4f, -0.5f, 1.5f, -126.6f, 63.49f];
        head.CopyTo(x, 0);                   // block 0: amax 127 → d = 1
        var bytes = new byte[68];
        Q8_0Codec.Quantize(x, bytes);        // block 1 is all zeros → d = 0, q = 0

        Assert.Equal(new byte[] { 0x00, 0x3C }, bytes[..2]);   // half(1.0)
        sbyte[] expected = [127, 3, -3, 0, -1, 2, -127, 63];
        Assert.Equal(expected, bytes[2..10].Select(b => (sbyte)b));
        Assert.All(bytes[10..34], b => Assert.Equal(0, b));
        Assert.All(bytes[34..], b => Assert.Equal(0, b));

        float[] y = [5f, -254f, 0.99f, -3f, .. new float[28]];
        var one = new byte[34];
        Q8_0Codec.Quantize(y, one);          // amax 254 → d = 2, 1/d = 0.5 exactly
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)2f), BitConverter.ToUInt16(one, 0));
        Assert.Equal(new sbyte[] { 3, -127, 0, -2 }, one[2..6].Select(b => (sbyte)b));
    }

    [Fact]
    public void Q8_0_model_is_the_f32_model_quantized()
    {
        var shape = ModelCreateOptions.Preset("tiny") with { FfnDim = 192 };
        using var f32 = GgufFile.Open(Create("f.gguf", shape: shape));
        using var q8 = GgufFile.Open(Create("q.gguf", dtype: "q8_0", shape: shape));
        var name = "blk.1.ffn_down.weight";
        var ft = f32.FindTensor(name)!;
        var qt = q8.FindTensor(name)!;
        Assert.Equal(TensorType.Q8_0, qt.Type);
        Assert.Equal(TensorType.F32, q8.FindTensor("blk.1.ffn_norm.weight")!.Type);
        var expected = new byte[qt.ByteLength];
        Q8_0Codec.Quantize(MemoryMarshal.Cast<byte, float>(f32.TensorBytes(ft)), expected);
        Assert.Equal(expected, q8.TensorBytes(qt).ToArray());
    }

    [Fact]
    public void Bad_options_are_refused_clearly()
    {
        var e = Assert.Throws<ArgumentException>(() => Create("x", "safetensors", dtype: "q8_0"));
        Assert.Contains("q8_0 is only available for gguf", e.Message);
        e = Assert.Throws<ArgumentException>(() => Create("y.gguf", dtype: "q8_0"));
        Assert.Contains("multiples of 32", e.Message);
        e = Assert.Throws<ArgumentException>(() => ModelCreateOptions.Preset("huge"));
        Assert.Contains("tiny, small, bench-134m, bench-336m", e.Message);
    }

    [Fact]
    public void Output_norm_gain_gives_logits_of_useful_spread()
    {
        foreach (string preset in new[] { "tiny", "small" })
        {
            var o = ModelCreateOptions.Preset(preset);
            using var file = GgufFile.Open(Create(preset + ".gguf", shape: o));
            var norm = MemoryMarshal.Cast<byte, float>(file.TensorBytes(file.FindTensor("output_norm.weight")!));
            var output = MemoryMarshal.Cast<byte, float>(file.TensorBytes(file.FindTensor("token_embd.weight")!));
            var rng = new Random(1);
            var h = new float[o.Dim];                      // a unit-RMS hidden state after the norm
            for (int i = 0; i < h.Length; i++) h[i] = (rng.Next(2) * 2 - 1) * norm[i];
            var logits = new double[o.VocabSize];
            for (int v = 0; v < logits.Length; v++)
                for (int i = 0; i < o.Dim; i++) logits[v] += output[v * o.Dim + i] * h[i];
            double mean = logits.Average();
            double std = Math.Sqrt(logits.Average(l => (l - mean) * (l - mean)));
            Assert.InRange(std, 1.0, 3.0);
        }
    }

    [Fact]
    public void Vocabulary_pieces_each_have_exactly_one_split()
    {
        var v = SyntheticVocabulary.Build(4096);
        Assert.Equal(4096, v.Tokens.Length);
        Assert.Equal(v.Tokens.Length, v.Tokens.Distinct().Count());
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>"], v.Tokens[..4]);
        Assert.Equal("<0xFF>", v.Tokens[258]);
        Assert.Equal(SyntheticVocabulary.Byte, v.TokenTypes[100]);
        var ids = new Dictionary<string, int>();
        for (int i = 259; i < v.Tokens.Length; i++) ids[v.Tokens[i]] = i;
        int first = SyntheticVocabulary.MinimumSize;
        Assert.Equal(v.Tokens.Length - first, v.Merges.Length);
        for (int r = 0; r < v.Merges.Length; r++)
        {
            string piece = v.Tokens[first + r];
            string[] parts = v.Merges[r].Split(' ');
            Assert.Equal(piece, parts[0] + parts[1]);
            Assert.True(ids[parts[0]] < first + r && ids[parts[1]] < first + r, $"merge {r} uses a later piece");
            Assert.Equal(-r, v.Scores[first + r]);
            int splits = Enumerable.Range(1, piece.Length - 1).Count(k => ids.ContainsKey(piece[..k]) && ids.ContainsKey(piece[k..]));
            Assert.True(splits == 1, $"piece '{piece}' has {splits} splits");
        }
        Assert.Equal(SyntheticVocabulary.Train(4096).Merges, v.Merges);   // a fresh training, not the cached one
    }
}
