using Mesh.Engine.Formats;
using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Formats;

public class ModelLoaderTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void Loads_stories260K_gguf()
    {
        string path = FormatTestFiles.Stories260K;
        Skip.IfNot(File.Exists(path), $"{path} is absent (shared/data not next to the repository)");
        using var m = ModelLoader.Load(path);
        var c = m.Config;
        Assert.Equal("gguf", m.Format);
        Assert.Equal("llama", c.Architecture);
        Assert.Equal((64, 5, 8, 4, 172, 512), (c.Dim, c.Layers, c.Heads, c.KvHeads, c.FfnDim, c.VocabSize));
        Assert.True(c.TiedEmbeddings);
        Assert.Equal(RopeStyle.Interleaved, c.RopeStyle);
        Assert.Equal(512, m.Tokenizer.VocabSize);
        Assert.Equal(1, m.Tokenizer.BosId);
        Assert.All(m.Tensors, t => Assert.Equal(TensorType.F32, t.Type));
        Assert.Equal(5, m.Weights.Layers.Length);
        Assert.Equal(m.Weights.TokenEmbedding.Row(7).ToArray(), m.Weights.Output.Row(7).ToArray());
        Assert.Equal((32, 64), (m.Weights.Layers[0].Wk.Rows, m.Weights.Layers[0].Wk.Cols));
        Assert.Equal((64, 172), (m.Weights.Layers[4].Down.Rows, m.Weights.Layers[4].Down.Cols));
        Assert.Equal(64, m.Fingerprint.Length);
        using var again = ModelLoader.Load(path);
        Assert.Equal(m.Fingerprint, again.Fingerprint);

        string text = ModelInspector.Describe(m);
        Assert.Contains("dim 64, layers 5, heads 8, kv heads 4", text);
        Assert.Contains("tied", text);
        Assert.Contains(m.Fingerprint, text);
    }

    [Fact]
    public void Gguf_and_safetensors_of_one_seed_load_to_the_same_network()
    {
        var o = ModelCreateOptions.Preset("tiny") with { Seed = 11 };
        using var g = ModelLoader.Load(ModelCreator.Create(o with { Out = _dir.File("m.gguf") }));
        using var h = ModelLoader.Load(ModelCreator.Create(o with { Format = "safetensors", Out = _dir.File("m") }));
        Assert.Equal(RopeStyle.Interleaved, g.Config.RopeStyle);
        Assert.Equal(RopeStyle.NeoX, h.Config.RopeStyle);
        Assert.Equal(g.Config with { RopeStyle = RopeStyle.NeoX }, h.Config);
        for (int r = 0; r < o.VocabSize; r += 37)
            Assert.Equal(g.Weights.TokenEmbedding.Row(r).ToArray(), h.Weights.TokenEmbedding.Row(r).ToArray());
        Assert.Equal(g.Weights.OutputNorm, h.Weights.OutputNorm);
        Assert.Equal(g.Weights.Layers[1].FfnNorm, h.Weights.Layers[1].FfnNorm);
        Assert.Equal(g.Weights.Layers[1].Wv.Row(3).ToArray(), h.Weights.Layers[1].Wv.Row(3).ToArray());
        // Q row 2i+1 of a head (GGUF) is row i + headDim/2 (Hugging Face).
        int headDim = o.Dim / o.Heads;
        Assert.Equal(g.Weights.Layers[0].Wq.Row(headDim + 2 * 3 + 1).ToArray(), h.Weights.Layers[0].Wq.Row(headDim + headDim / 2 + 3).ToArray());
        Assert.Equal(g.Weights.Layers[0].Wk.Row(2 * 5).ToArray(), h.Weights.Layers[0].Wk.Row(5).ToArray());

        const string text = "Once upon a time, the little girl named Lily saw 42 birds! Ünïcode falls back to bytes.";
        int[] gi = g.Tokenizer.Encode(text, addBos: true);
        int[] hi = h.Tokenizer.Encode(text, addBos: true);
        Assert.Equal(gi, hi);
        Assert.Equal(1, gi[0]);
        Assert.True(gi.Length < text.Length * 2 / 3, $"{gi.Length} tokens for {text.Length} characters: merges are not being used");
        Assert.Equal(text, g.Tokenizer.Decode(gi.AsSpan(1)));
        Assert.Equal(text, h.Tokenizer.Decode(hi.AsSpan(1)));
    }

    [Fact]
    public void Created_models_in_every_dtype_load()
    {
        var o = ModelCreateOptions.Preset("tiny") with { FfnDim = 192, Seed = 4 };
        foreach (var (format, dtype, type) in new[]
                 {
                     ("gguf", "f16", TensorType.F16), ("gguf", "q8_0", TensorType.Q8_0), ("gguf", "bf16", TensorType.BF16),
                     ("safetensors", "f16", TensorType.F16), ("safetensors", "bf16", TensorType.BF16),
                 })
        {
            string outPath = _dir.File($"{format}-{dtype}" + (format == "gguf" ? ".gguf" : ""));
            using var m = ModelLoader.Load(ModelCreator.Create(o with { Format = format, DType = dtype, Out = outPath }));
            Assert.Equal(type, m.Weights.Layers[0].Gate.Type);
            Assert.Equal(format, m.Format);
            Assert.Equal(192, m.Config.FfnDim);
        }
    }

    [Fact]
    public async Task Q8_0_matrices_are_rearranged_into_panels_in_the_background_unless_asked_not_to()
    {
        string path = ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { FfnDim = 192, Seed = 4, DType = "q8_0", Out = _dir.File("panels.gguf") });
        using var model = ModelLoader.Load(path);
        using var rows = ModelLoader.Load(path, panels: false);
        Assert.Null(rows.PanelWeights);
        Assert.Equal(TensorType.Q8_0, model.Weights.Layers[1].Down.Type);   // the file's rows serve until the panels are ready
        var panels = await model.PanelWeights!;
        Assert.Equal(TensorType.Q8_0x8, panels.Layers[1].Down.Type);
        // the tiny preset ties the output to the embedding: rearranged once, read by rows through the panel layout
        Assert.Equal(TensorType.Q8_0x8, panels.Output.Type);
        unsafe { Assert.True(panels.TokenEmbedding.Data == panels.Output.Data, "a tied embedding and output must stay one matrix"); }
        Assert.Same(model.Weights.Layers[1].FfnNorm, panels.Layers[1].FfnNorm);
        Assert.Equal(rows.Fingerprint, model.Fingerprint);
        var scratch = new byte[rows.Weights.Layers[1].Down.RowBytes];
        Assert.Equal(rows.Weights.Layers[1].Down.Row(9).ToArray(), StoredRows.Get(panels.Layers[1].Down, 9, scratch).ToArray());
        Assert.Equal(TensorType.Q8_0, StoredRows.FileType(panels.Layers[1].Down.Type));
        // untied: the output is rearranged, the embedding (only ever read by rows) stays in the file
        string untied = ModelCreator.Create(ModelCreateOptions.Preset("tiny") with
        {
            FfnDim = 192, Seed = 4, DType = "q8_0", TiedEmbeddings = false, Out = _dir.File("untied.gguf"),
        });
        using var separate = ModelLoader.Load(untied);
        var separatePanels = await separate.PanelWeights!;
        Assert.Equal(TensorType.Q8_0x8, separatePanels.Output.Type);
        Assert.Equal(TensorType.Q8_0, separatePanels.TokenEmbedding.Type);
        // F16 files have nothing to rearrange
        string f16 = ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Seed = 4, DType = "f16", Out = _dir.File("f16.gguf") });
        using var half = ModelLoader.Load(f16);
        Assert.Null(half.PanelWeights);
    }

    [Fact]
    public void Disposing_a_model_while_its_panels_are_being_made_waits_for_them()
    {
        string path = ModelCreator.Create(ModelCreateOptions.Preset("small") with { FfnDim = 704, Seed = 5, DType = "q8_0", Out = _dir.File("dispose.gguf") });
        for (int i = 0; i < 3; i++)
        {
            var model = ModelLoader.Load(path);
            var panels = model.PanelWeights!;
            model.Dispose();   // unmaps the file: must not happen under the rewrite
            Assert.True(panels.IsCompleted);
        }
    }

    [Fact]
    public void Fingerprint_tells_seeds_apart()
    {
        var o = ModelCreateOptions.Preset("tiny");
        using var a = ModelLoader.Load(ModelCreator.Create(o with { Seed = 1, Out = _dir.File("a.gguf") }));
        using var b = ModelLoader.Load(ModelCreator.Create(o with { Seed = 2, Out = _dir.File("b.gguf") }));
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
    }

    [Fact]
    public void Inspector_describes_a_created_model()
    {
        string path = ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Seed = 5, TiedEmbeddings = false, Out = _dir.File("t.gguf") });
        using var m = ModelLoader.Load(path);
        string text = ModelInspector.Describe(m);
        Assert.Contains("format        gguf", text);
        Assert.Contains("architecture  llama", text);
        Assert.Contains("dim 64, layers 2, heads 4, kv heads 2, head dim 16, ffn 172", text);
        Assert.Contains("vocabulary    512", text);
        Assert.Contains("context       2048", text);
        long expectedParams = 2L * 512 * 64 + 2 * (2 * 64 + 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 172 * 64) + 64;
        Assert.Contains($"{expectedParams:N0}", text);
        Assert.Contains("F32 ×", text);
        Assert.Contains("separate output matrix", text);
        Assert.Contains("chat format   none recognised", text);
        Assert.Contains(m.Fingerprint, text);
    }

    [Fact]
    public void An_output_matrix_that_copies_the_embedding_counts_as_tied()
    {
        string untied = ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { TiedEmbeddings = false, Out = _dir.File("untied.gguf") });
        byte[] embedding;
        using (var file = Mesh.Engine.Formats.Gguf.GgufFile.Open(untied))
            embedding = file.TensorBytes(file.FindTensor("token_embd.weight")!).ToArray();
        string copy = _dir.File("copy.gguf");
        FormatTestFiles.Rewrite(untied, copy, replace: new() { ["output.weight"] = (TensorType.F32, [64, 512], embedding) });

        using var a = ModelLoader.Load(untied);
        using var b = ModelLoader.Load(copy);
        Assert.False(a.Config.TiedEmbeddings);
        Assert.True(b.Config.TiedEmbeddings);
        unsafe { Assert.True(b.Weights.Output.Data == b.Weights.TokenEmbedding.Data); }
    }

    [Fact]
    public void A_folder_with_one_gguf_loads_it()
    {
        string path = ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Out = _dir.File("only.gguf") });
        using var m = ModelLoader.Load(_dir.Path);
        Assert.Equal(Path.GetFullPath(path), Path.GetFullPath(m.Path));
    }
}
