using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Mesh.Engine.Formats.Gguf;
using Mesh.Engine.Formats.Safetensors;
using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Formats;

/// <summary>Qwen2 (Q/K/V biases, rotate-half RoPE) from both formats, made by relabelling a random
/// Llama model and adding bias tensors.</summary>
public class Qwen2LoadTests : IDisposable
{
    private readonly TempFolder _dir = new();
    private readonly ModelCreateOptions _o = ModelCreateOptions.Preset("tiny") with { Seed = 9 };

    public void Dispose() => _dir.Dispose();

    private static float[] Bias(int layer, int which, int length) =>
        Enumerable.Range(0, length).Select(i => layer * 100 + which * 10 + i * 0.5f).ToArray();

    private static byte[] F16(float[] values) =>
        MemoryMarshal.AsBytes(values.Select(v => (Half)v).ToArray().AsSpan()).ToArray();

    [Fact]
    public void Qwen2_gguf_loads_biases_and_neox_rope()
    {
        string llama = ModelCreator.Create(_o with { Out = _dir.File("llama.gguf") });
        string qwen = _dir.File("qwen.gguf");
        using (var file = GgufFile.Open(llama))
        {
            var w = new GgufWriter();
            foreach (var (k, v) in file.MetadataList)
                w.AddMetadata(k.StartsWith("llama.", StringComparison.Ordinal) ? "qwen2." + k["llama.".Length..] : k,
                    k == "general.architecture" ? GgufValue.From("qwen2") : v);
            foreach (var t in file.Tensors) w.AddTensor(t.Name, t.Type, t.Dimensions, file.TensorBytes(t).ToArray());
            for (int l = 0; l < _o.Layers; l++)
            {
                w.AddTensor($"blk.{l}.attn_q.bias", TensorType.F32, [64], MemoryMarshal.AsBytes(Bias(l, 0, 64).AsSpan()).ToArray());
                w.AddTensor($"blk.{l}.attn_k.bias", TensorType.F16, [32], F16(Bias(l, 1, 32)));
                w.AddTensor($"blk.{l}.attn_v.bias", TensorType.F32, [32], MemoryMarshal.AsBytes(Bias(l, 2, 32).AsSpan()).ToArray());
            }
            w.WriteTo(qwen);
        }
        using var m = ModelLoader.Load(qwen);
        Assert.Equal("qwen2", m.Config.Architecture);
        Assert.True(m.Config.QkvBias);
        Assert.Equal(RopeStyle.NeoX, m.Config.RopeStyle);
        Assert.Equal(Bias(1, 0, 64), m.Weights.Layers[1].Bq);
        Assert.Equal(Bias(1, 1, 32), m.Weights.Layers[1].Bk);
        Assert.Equal(Bias(0, 2, 32), m.Weights.Layers[0].Bv);
    }

    [Fact]
    public void Qwen2_safetensors_loads_biases()
    {
        string folder = ModelCreator.Create(_o with { Format = "safetensors", Out = _dir.File("qwen") });
        string weights = Path.Combine(folder, "model.safetensors");
        var w = new SafetensorsWriter();
        using (var file = SafetensorsFile.Open(weights))
            foreach (var t in file.Tensors.Values.OrderBy(t => t.Begin))
                w.AddTensor(t.Name, t.Type!.Value, t.Shape, file.TensorBytes(t).ToArray());
        for (int l = 0; l < _o.Layers; l++)
        {
            w.AddTensor($"model.layers.{l}.self_attn.q_proj.bias", TensorType.F32, [64], MemoryMarshal.AsBytes(Bias(l, 0, 64).AsSpan()).ToArray());
            w.AddTensor($"model.layers.{l}.self_attn.k_proj.bias", TensorType.F32, [32], MemoryMarshal.AsBytes(Bias(l, 1, 32).AsSpan()).ToArray());
            w.AddTensor($"model.layers.{l}.self_attn.v_proj.bias", TensorType.F16, [32], F16(Bias(l, 2, 32)));
        }
        w.WriteTo(weights);
        string configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["model_type"] = "qwen2";
        File.WriteAllText(configPath, config.ToJsonString());

        using var m = ModelLoader.Load(folder);
        Assert.Equal("qwen2", m.Config.Architecture);
        Assert.True(m.Config.QkvBias);
        Assert.True(m.Config.TiedEmbeddings);
        Assert.Equal(Bias(0, 0, 64), m.Weights.Layers[0].Bq);
        Assert.Equal(Bias(1, 2, 32), m.Weights.Layers[1].Bv);
    }

    [Fact]
    public void Unknown_model_type_is_named()
    {
        string folder = ModelCreator.Create(_o with { Format = "safetensors", Out = _dir.File("phi") });
        string configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["model_type"] = "phi3";
        File.WriteAllText(configPath, config.ToJsonString());
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(folder));
        Assert.StartsWith(configPath, e.Message);
        Assert.Contains("model_type phi3 is not supported (supported: llama, mistral, qwen2)", e.Message);
    }
}
