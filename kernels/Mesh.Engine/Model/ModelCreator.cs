using System.Text.Json;
using Mesh.Engine.Formats;
using Mesh.Engine.Formats.Gguf;
using Mesh.Engine.Formats.Safetensors;
using Mesh.Kernels;

namespace Mesh.Engine.Model;

/// <summary>Writes a deterministic random Llama model as GGUF or as a Hugging Face safetensors
/// folder. One seed gives one logical model in both formats: every tensor is generated in GGUF's
/// convention (interleaved-RoPE Q/K rows), and the safetensors copy stores Q and K rows in Hugging
/// Face's rotate-half order (the inverse of llama.cpp's converter permutation), so loading either
/// file yields the same network.</summary>
public static class ModelCreator
{
    /// <summary>Token embedding and output matrix.</summary>
    private const float VocabStd = 0.02f;
    private const float NormNoise = 0.02f;
    /// <summary>Logit standard deviation the output norm's gain aims at, so greedy decoding is not flat.</summary>
    private const float TargetLogitStd = 2f;
    /// <summary>Standard deviation of the attention scores q·k/√headDim that Q and K are scaled for:
    /// sharp enough that heads pick tokens by content; at 3 llama.cpp's Q8_0 activation rounding
    /// is amplified past the parity tests' tolerance.</summary>
    private const float TargetScoreStd = 2f;

    /// <summary>One tensor to generate: GGUF and Hugging Face names, [Rows, Cols] (a vector is one
    /// row), values Mean + Std·z, and whether its rows are per-head RoPE rows to reorder for Hugging Face.</summary>
    private sealed record Plan(string Gguf, string Hf, int Rows, int Cols, float Mean, float Std, bool IsVector, bool RopeRows = false);

    /// <summary>Writes the model and returns its path (the .gguf file or the safetensors folder).</summary>
    public static string Create(ModelCreateOptions o)
    {
        var type = CheckOptions(o);
        var vocab = SyntheticVocabulary.Build(o.VocabSize);
        var plans = Plans(o);
        string? dir = o.Format == "gguf" ? Path.GetDirectoryName(Path.GetFullPath(o.Out)) : o.Out;
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        if (o.Format == "gguf") WriteGguf(o, type, vocab, plans);
        else WriteSafetensors(o, type, vocab, plans);
        return o.Out;
    }

    private static TensorType CheckOptions(ModelCreateOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Out)) throw new ArgumentException("the output path is empty");
        if (o.Format is not ("gguf" or "safetensors"))
            throw new ArgumentException($"format '{o.Format}' is not known (gguf or safetensors)");
        var type = o.DType.ToLowerInvariant() switch
        {
            "f32" => TensorType.F32,
            "f16" => TensorType.F16,
            "bf16" => TensorType.BF16,
            "q8_0" => TensorType.Q8_0,
            _ => throw new ArgumentException($"dtype '{o.DType}' is not known (f32, f16, bf16, q8_0)"),
        };
        if (type == TensorType.Q8_0 && o.Format == "safetensors")
            throw new ArgumentException("dtype q8_0 is only available for gguf; safetensors takes f32, f16 or bf16");
        if (type == TensorType.Q8_0 && (o.Dim % 32 != 0 || o.FfnDim % 32 != 0))
            throw new ArgumentException($"dtype q8_0 needs dim and ffn dim to be multiples of 32 (dim {o.Dim}, ffn {o.FfnDim})");
        if (o.Dim <= 0 || o.Layers <= 0 || o.Heads <= 0 || o.KvHeads <= 0 || o.FfnDim <= 0 || o.ContextLength <= 0)
            throw new ArgumentException("dim, layers, heads, kv heads, ffn dim and context length must be positive");
        if (o.Dim % o.Heads != 0 || o.Heads % o.KvHeads != 0 || o.Dim / o.Heads % 2 != 0)
            throw new ArgumentException($"dim {o.Dim} must split into {o.Heads} heads of even size, and heads into {o.KvHeads} kv heads");
        return type;
    }

    /// <summary>The tensors and their scales. At 0.02 everywhere a small model degenerates: every
    /// head averages its context uniformly (scores ~0.03), the layers add less to the residual
    /// stream than the embedding holds, and greedy decoding repeats one token. So the layer
    /// matrices keep unit gain (std 1/√fan-in, 0.02–0.04 at benchmark sizes), Q and K are scaled
    /// for scores of std 2, and the output norm's gain gives logits of std 2.</summary>
    private static List<Plan> Plans(ModelCreateOptions o)
    {
        int dim = o.Dim, kv = o.KvHeads * (o.Dim / o.Heads), ffn = o.FfnDim;
        float unit = 1 / MathF.Sqrt(dim), qk = MathF.Sqrt(TargetScoreStd / dim), down = 1 / MathF.Sqrt(ffn);
        float gain = TargetLogitStd / (VocabStd * MathF.Sqrt(dim));
        var g = LlamaTensorNames.Gguf;
        var h = LlamaTensorNames.HuggingFace;
        var plans = new List<Plan> { new(g.TokenEmbedding, h.TokenEmbedding, o.VocabSize, dim, 0, VocabStd, false) };
        for (int i = 0; i < o.Layers; i++)
        {
            Plan P(LayerTensor t, int rows, int cols, float mean, float std, bool vector = false, bool rope = false) =>
                new(g.Layer(i, t), h.Layer(i, t), rows, cols, mean, std, vector, rope);
            plans.Add(P(LayerTensor.AttnNorm, 1, dim, 1, NormNoise, vector: true));
            plans.Add(P(LayerTensor.Q, dim, dim, 0, qk, rope: true));
            plans.Add(P(LayerTensor.K, kv, dim, 0, qk, rope: true));
            plans.Add(P(LayerTensor.V, kv, dim, 0, unit));
            plans.Add(P(LayerTensor.O, dim, dim, 0, unit));
            plans.Add(P(LayerTensor.FfnNorm, 1, dim, 1, NormNoise, vector: true));
            plans.Add(P(LayerTensor.Gate, ffn, dim, 0, unit));
            plans.Add(P(LayerTensor.Up, ffn, dim, 0, unit));
            plans.Add(P(LayerTensor.Down, dim, ffn, 0, down));
        }
        plans.Add(new(g.OutputNorm, h.OutputNorm, 1, dim, gain, gain * NormNoise, true));
        if (!o.TiedEmbeddings) plans.Add(new(g.Output, h.Output, o.VocabSize, dim, 0, VocabStd, false));
        return plans;
    }

    private static void WriteGguf(ModelCreateOptions o, TensorType type, SyntheticVocabulary vocab, List<Plan> plans)
    {
        var w = new GgufWriter();
        w.AddMetadata("general.architecture", "llama");
        w.AddMetadata("general.name", $"mesh-random-{o.Dim}x{o.Layers}-seed{o.Seed}");
        w.AddMetadata("general.file_type", type switch { TensorType.F32 => 0u, TensorType.F16 => 1u, TensorType.Q8_0 => 7u, _ => 32u });
        w.AddMetadata("llama.context_length", (uint)o.ContextLength);
        w.AddMetadata("llama.embedding_length", (uint)o.Dim);
        w.AddMetadata("llama.block_count", (uint)o.Layers);
        w.AddMetadata("llama.feed_forward_length", (uint)o.FfnDim);
        w.AddMetadata("llama.rope.dimension_count", (uint)(o.Dim / o.Heads));
        w.AddMetadata("llama.attention.head_count", (uint)o.Heads);
        w.AddMetadata("llama.attention.head_count_kv", (uint)o.KvHeads);
        w.AddMetadata("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        w.AddMetadata("llama.rope.freq_base", 10000f);
        w.AddMetadata("tokenizer.ggml.model", "llama");
        w.AddMetadata("tokenizer.ggml.tokens", vocab.Tokens);
        w.AddMetadata("tokenizer.ggml.scores", vocab.Scores);
        w.AddMetadata("tokenizer.ggml.token_type", vocab.TokenTypes);
        w.AddMetadata("tokenizer.ggml.bos_token_id", (uint)SyntheticVocabulary.BosId);
        w.AddMetadata("tokenizer.ggml.eos_token_id", (uint)SyntheticVocabulary.EosId);
        w.AddMetadata("tokenizer.ggml.unknown_token_id", (uint)SyntheticVocabulary.UnknownId);
        w.AddMetadata("tokenizer.ggml.add_bos_token", true);
        w.AddMetadata("tokenizer.ggml.add_eos_token", false);
        if (o.ChatTemplate != null) w.AddMetadata("tokenizer.chat_template", o.ChatTemplate);
        foreach (var p in plans)
        {
            var t = p.IsVector ? TensorType.F32 : type;
            long[] ne = p.IsVector ? [p.Cols] : [p.Cols, p.Rows];
            w.AddTensor(p.Gguf, t, ne, s => WriteValues(s, p, t, o, hfOrder: false));
        }
        w.WriteTo(o.Out);
    }

    private static void WriteSafetensors(ModelCreateOptions o, TensorType type, SyntheticVocabulary vocab, List<Plan> plans)
    {
        var w = new SafetensorsWriter();
        w.AddMetadata("format", "pt");
        foreach (var p in plans)
        {
            long[] shape = p.IsVector ? [p.Cols] : [p.Rows, p.Cols];
            w.AddTensor(p.Hf, type, shape, s => WriteValues(s, p, type, o, hfOrder: true));
        }
        w.WriteTo(Path.Combine(o.Out, SafetensorsCheckpoint.SingleFile));
        WriteHfConfig(o, type);
        HfTokenizerWriter.Write(o.Out, vocab.Tokens, vocab.Merges, SyntheticVocabulary.UnknownId,
            SyntheticVocabulary.BosId, SyntheticVocabulary.EosId, o.ContextLength, o.ChatTemplate);
    }

    private static void WriteHfConfig(ModelCreateOptions o, TensorType type)
    {
        using var stream = File.Create(Path.Combine(o.Out, "config.json"));
        using var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        j.WriteStartObject();
        j.WriteStartArray("architectures");
        j.WriteStringValue("LlamaForCausalLM");
        j.WriteEndArray();
        j.WriteString("model_type", "llama");
        j.WriteNumber("hidden_size", o.Dim);
        j.WriteNumber("intermediate_size", o.FfnDim);
        j.WriteNumber("num_hidden_layers", o.Layers);
        j.WriteNumber("num_attention_heads", o.Heads);
        j.WriteNumber("num_key_value_heads", o.KvHeads);
        j.WriteNumber("vocab_size", o.VocabSize);
        j.WriteNumber("max_position_embeddings", o.ContextLength);
        j.WriteNumber("rms_norm_eps", 1e-5);
        j.WriteNumber("rope_theta", 10000.0);
        j.WriteNull("rope_scaling");
        j.WriteBoolean("tie_word_embeddings", o.TiedEmbeddings);
        j.WriteString("hidden_act", "silu");
        j.WriteNumber("bos_token_id", SyntheticVocabulary.BosId);
        j.WriteNumber("eos_token_id", SyntheticVocabulary.EosId);
        j.WriteString("torch_dtype", type switch { TensorType.F16 => "float16", TensorType.BF16 => "bfloat16", _ => "float32" });
        j.WriteEndObject();
    }

    /// <summary>Generates a tensor's values in GGUF row order, a chunk of rows at a time (one head
    /// for RoPE rows, so they can be reordered in place), and writes them encoded as <paramref name="type"/>.</summary>
    private static void WriteValues(Stream s, Plan p, TensorType type, ModelCreateOptions o, bool hfOrder)
    {
        int headDim = o.Dim / o.Heads;
        int cols = p.Cols;
        int chunkRows = p.RopeRows ? headDim : Math.Clamp((1 << 16) / cols, 1, p.Rows);
        var values = new float[chunkRows * cols];                        // [chunkRows, cols]
        var ordered = hfOrder && p.RopeRows ? new float[values.Length] : values;
        var bytes = new byte[TensorTypes.ByteSize(type, values.Length)];
        var rng = new SeededNormal(o.Seed, p.Gguf);
        for (int r0 = 0; r0 < p.Rows; r0 += chunkRows)
        {
            int n = Math.Min(chunkRows, p.Rows - r0) * cols;
            var chunk = values.AsSpan(0, n);
            for (int i = 0; i < chunk.Length; i++) chunk[i] = p.Mean + p.Std * rng.NextNormal();
            if (ordered != values) RopeRowOrder.InterleavedToHalves(values, ordered, headDim, cols);
            int byteCount = (int)TensorTypes.ByteSize(type, n);
            FloatCodec.Encode(ordered.AsSpan(0, n), type, bytes.AsSpan(0, byteCount));
            s.Write(bytes, 0, byteCount);
        }
    }
}
