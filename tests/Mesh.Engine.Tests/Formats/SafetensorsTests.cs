using System.Text;
using System.Text.Json.Nodes;
using Mesh.Engine.Formats.Safetensors;
using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Formats;

public class SafetensorsTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string CreateTiny(string name, bool tied = true) =>
        ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Format = "safetensors", Seed = 3, TiedEmbeddings = tied, Out = _dir.File(name) });

    [Fact]
    public void Writer_and_reader_round_trip()
    {
        string path = _dir.File("x.safetensors");
        byte[] a = Enumerable.Range(0, 24).Select(i => (byte)i).ToArray();
        byte[] b = Enumerable.Range(0, 6).Select(i => (byte)(i * 3)).ToArray();
        var w = new SafetensorsWriter();
        w.AddMetadata("format", "pt");
        w.AddTensor("a", TensorType.F32, [2, 3], a);
        w.AddTensor("b", TensorType.BF16, [3], b);
        w.WriteTo(path);

        ulong headerLength = BitConverter.ToUInt64(File.ReadAllBytes(path), 0);
        Assert.Equal(0UL, headerLength % 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([2L, 3], file.Tensors["a"].Shape);
        Assert.Equal(TensorType.BF16, file.Tensors["b"].Type);
        Assert.Equal(a, file.TensorBytes(file.Tensors["a"]).ToArray());
        Assert.Equal(b, file.TensorBytes(file.Tensors["b"]).ToArray());
        Assert.Throws<ArgumentException>(() => w.AddTensor("q", TensorType.Q8_0, [32], new byte[34]));
    }

    [Fact]
    public void Missing_config_json()
    {
        string folder = CreateTiny("noconfig");
        File.Delete(Path.Combine(folder, "config.json"));
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(folder));
        Assert.StartsWith(folder, e.Message);
        Assert.Contains("missing config.json", e.Message);
    }

    [Fact]
    public void Missing_tokenizer_json()
    {
        string folder = CreateTiny("notok");
        File.Delete(Path.Combine(folder, "tokenizer.json"));
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(folder));
        Assert.StartsWith(folder, e.Message);
        Assert.Contains("missing tokenizer.json", e.Message);
    }

    [Fact]
    public void Unloadable_dtype_is_named()
    {
        string folder = CreateTiny("i8");
        string weights = Path.Combine(folder, "model.safetensors");
        string header = """{"model.embed_tokens.weight":{"dtype":"I8","shape":[512,64],"data_offsets":[0,32768]}}""";
        using (var s = File.Create(weights))
        {
            s.Write(BitConverter.GetBytes((ulong)header.Length));
            s.Write(Encoding.UTF8.GetBytes(header));
            s.Write(new byte[32768]);
        }
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(folder));
        Assert.Contains("tensor model.embed_tokens.weight has dtype I8, which this build cannot load (supported: F32, F16, BF16)", e.Message);
    }

    [Fact]
    public void Truncated_safetensors()
    {
        string folder = CreateTiny("cut");
        string weights = Path.Combine(folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..^10]);
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(folder));
        Assert.StartsWith(weights, e.Message);
        Assert.Contains($"truncated: tensor model.norm.weight needs bytes up to {bytes.Length} but the file has {bytes.Length - 10}", e.Message);
    }

    [Fact]
    public void Llama3_rope_scaling_in_config_gives_scaling_and_factors()
    {
        string folder = CreateTiny("llama3");
        string configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["rope_theta"] = 500000.0;
        config["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 64,
        };
        File.WriteAllText(configPath, config.ToJsonString());

        using var model = ModelLoader.Load(folder);
        Assert.Equal(new Llama3RopeScaling(8, 1, 4, 64), model.Config.RopeScaling);
        var expected = Mesh.Engine.Formats.Llama3RopeFactors.Compute(model.Config.RopeScaling!, 16, 500000f);
        Assert.Equal(expected, model.Weights.RopeFreqFactors);
    }

    [Fact]
    public void Llama3_factors_keep_high_frequencies_and_divide_low_ones()
    {
        // Llama 3.1 8B: head dim 128, theta 500000, factor 8, low 1, high 4, original context 8192.
        float[] f = Mesh.Engine.Formats.Llama3RopeFactors.Compute(new Llama3RopeScaling(8, 1, 4, 8192), 128, 500000f);
        Assert.Equal(64, f.Length);
        Assert.Equal(1f, f[0]);
        Assert.Equal(8f, f[63]);
        for (int i = 1; i < f.Length; i++) Assert.True(f[i] >= f[i - 1], $"factor {i} decreases");
        int medium = Enumerable.Range(0, 64).First(i => f[i] is > 1f and < 8f);
        double wavelen = 2 * Math.PI * Math.Pow(500000, 2.0 * medium / 128);
        double smooth = (8192 / wavelen - 1) / 3;
        Assert.Equal(1 / ((1 - smooth) / 8 + smooth), f[medium], 5);
    }

    [Fact]
    public void Sharded_checkpoint_loads_to_the_same_model()
    {
        string folder = CreateTiny("one", tied: false);
        string sharded = CreateTiny("two", tied: false);
        string single = Path.Combine(sharded, "model.safetensors");
        var index = new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = new JsonObject() };
        using (var file = SafetensorsFile.Open(single))
        {
            var shards = new[] { new SafetensorsWriter(), new SafetensorsWriter() };
            int n = 0;
            foreach (var t in file.Tensors.Values.OrderBy(t => t.Begin))
            {
                int s = n++ % 2;
                shards[s].AddTensor(t.Name, t.Type!.Value, t.Shape, file.TensorBytes(t).ToArray());
                index["weight_map"]![t.Name] = $"model-0000{s + 1}-of-00002.safetensors";
            }
            for (int s = 0; s < 2; s++) shards[s].WriteTo(Path.Combine(sharded, $"model-0000{s + 1}-of-00002.safetensors"));
        }
        File.Delete(single);
        File.WriteAllText(Path.Combine(sharded, "model.safetensors.index.json"), index.ToJsonString());

        using var a = ModelLoader.Load(folder);
        using var b = ModelLoader.Load(sharded);
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.False(b.Config.TiedEmbeddings);
        Assert.Equal(a.Weights.Layers[1].Down.Row(5).ToArray(), b.Weights.Layers[1].Down.Row(5).ToArray());
    }
}
