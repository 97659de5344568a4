using System.Text.Json;
using Mesh.Bench;
using Mesh.Engine.Model;

namespace Mesh.Kernels.Tests;

/// <summary><c>mesh bench --kv-type</c>: the roofline counts the K/V of earlier positions in the cache's element type,
/// an F16 run reaches both peers (llama.cpp with F16 K and V caches) and says so in its JSON line, with the startup
/// time; without the flag each peer keeps its own default.</summary>
public sealed class BenchKvTypeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-bench-kv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TinyModel() =>
        ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Seed = 3, FfnDim = 192, Out = Path.Combine(_dir, "tiny.gguf") });

    [Fact]
    public void The_decode_roofline_reads_two_bytes_per_f16_kv_element()
    {
        using var model = ModelLoader.Load(TinyModel());
        var c = model.Config;
        double F16(double position) => DecodeRoofline.BytesPerToken(c, model.Weights, position, KvCacheType.F16);
        double F32(double position) => DecodeRoofline.BytesPerToken(c, model.Weights, position, KvCacheType.F32);
        Assert.Equal(F32(0), F16(0));
        Assert.Equal(10.0 * c.Layers * 2 * c.KvDim * 2, F16(10) - F16(0));
        Assert.Equal(2 * (F16(10) - F16(0)), F32(10) - F32(0));
    }

    [Fact]
    public void An_f16_run_measures_both_peers_with_f16_kv()
    {
        var o = new BenchOptions
        {
            ModelPath = TinyModel(), PromptTokens = 12, GenTokens = 5, Threads = 2, Repeats = 1, Concurrent = 0,
            ProbeBytes = 64L << 20, KvType = KvCacheType.F16,
        };
        var log = new StringWriter();
        var report = BenchRunner.Run(o, log);

        Assert.True(report.Mesh.Decode.Median > 0);
        Assert.Contains("KV cache: mesh F16", log.ToString(), StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(report.ToJson(), BenchJsonContext.Default.BenchJson));
        Assert.Equal("f16", doc.RootElement.GetProperty("kv_type").GetString());
        Assert.True(doc.RootElement.GetProperty("startup_ms").GetDouble() > 0);
        if (report.LlamaCpp is null)
        {
            Assert.NotNull(report.LlamaCppSkipped);   // llama.cpp's native library did not load here: said why
            return;
        }
        Assert.True(report.LlamaCpp.Decode.Median > 0);
        Assert.Equal("f16", doc.RootElement.GetProperty("llama_cpp_kv_type").GetString());
    }

    [Fact]
    public void Without_a_kv_type_each_peer_runs_its_own_default()
    {
        var o = new BenchOptions { ModelPath = "m.gguf" };
        Assert.Equal(KvCacheType.F32, o.MeshKvType);
        Assert.Equal(KvCacheType.F16, o.LlamaCppKvType);
        Assert.True(o.QuantizeActivations);
        var both = o with { KvType = KvCacheType.F32 };
        Assert.Equal(KvCacheType.F32, both.LlamaCppKvType);
    }
}
