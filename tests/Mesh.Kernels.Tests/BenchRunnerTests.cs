using System.Text.Json;
using Mesh.Bench;
using Mesh.Engine.Model;

namespace Mesh.Kernels.Tests;

/// <summary><c>mesh bench</c>'s library end to end on a tiny generated model: both peers run,
/// every measure is positive, the JSON line carries Mesh's and llama.cpp's rates (and KV types and
/// startup times); plus the roofline arithmetic (F16 KV at two bytes per element), the median/spread,
/// and each peer's default KV type.</summary>
public sealed class BenchRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TinyModel(string dtype = "f32") =>
        ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Seed = 3, DType = dtype, FfnDim = 192, Out = Path.Combine(_dir, $"tiny-{dtype}.gguf") });

    [Fact]
    public void A_run_measures_both_peers_and_ends_with_one_json_object()
    {
        var o = new BenchOptions { ModelPath = TinyModel(), PromptTokens = 12, GenTokens = 5, Threads = 2, Repeats = 2, Concurrent = 3, ProbeBytes = 64L << 20 };
        var log = new StringWriter();
        var report = BenchRunner.Run(o, log);

        Assert.True(report.Mesh.Prefill.Median > 0 && report.Mesh.Decode.Median > 0);
        Assert.True(report.Mesh.Bandwidth.Min > 0);
        Assert.True(report.ConcurrentDecodeTokensPerSecond > 0);
        Assert.Equal(2, log.ToString().Split('\n').Count(l => l.Contains("  mesh      run")));
        var json = JsonSerializer.Serialize(report.ToJson(), BenchJsonContext.Default.BenchJson);
        using var doc = JsonDocument.Parse(json);
        Assert.True(doc.RootElement.GetProperty("prefill_tokens_per_s").GetDouble() > 0);
        Assert.True(doc.RootElement.GetProperty("decode_tokens_per_s").GetDouble() > 0);
        if (report.LlamaCpp is null)
        {
            Assert.NotNull(report.LlamaCppSkipped);   // llama.cpp's native library did not load here: said why
            return;
        }
        Assert.True(doc.RootElement.GetProperty("llama_cpp_prefill_tokens_per_s").GetDouble() > 0);
        Assert.True(doc.RootElement.GetProperty("llama_cpp_decode_tokens_per_s").GetDouble() > 0);
        Assert.Equal(report.Mesh.Decode.Median / report.LlamaCpp.Decode.Median, report.DecodeRatio!.Value, 6);
    }

    [Fact]
    public void Mesh_only_skips_llama_cpp_and_says_so()
    {
        var o = new BenchOptions { ModelPath = TinyModel("q8_0"), PromptTokens = 40, GenTokens = 3, Threads = 1, Repeats = 1, Concurrent = 0, MeshOnly = true, ProbeBytes = 64L << 20 };
        var report = BenchRunner.Run(o, TextWriter.Null);
        Assert.Null(report.LlamaCpp);
        Assert.Equal("--mesh-only", report.LlamaCppSkipped);
        Assert.Null(report.ConcurrentSpeedup);
        Assert.Null(report.ToJson().LlamaCppDecodeTokensPerS);
    }

    [Fact]
    public void Decode_roofline_counts_every_matrix_once_plus_the_kv_read()
    {
        using var model = ModelLoader.Load(TinyModel());
        var c = model.Config;
        double at0 = DecodeRoofline.BytesPerToken(c, model.Weights, meanPosition: 0, KvCacheType.F32);
        double at10 = DecodeRoofline.BytesPerToken(c, model.Weights, meanPosition: 10, KvCacheType.F32);
        long matrices = model.Weights.Layers.Sum(l => l.Wq.ByteLength + l.Wk.ByteLength + l.Wv.ByteLength + l.Wo.ByteLength
            + l.Gate.ByteLength + l.Up.ByteLength + l.Down.ByteLength) + model.Weights.Output.ByteLength;
        Assert.Equal(matrices + model.Weights.TokenEmbedding.RowBytes + (double)c.Dim * 4 * (2 * c.Layers + 1), at0);
        Assert.Equal(10.0 * c.Layers * 2 * c.KvDim * 4, at10 - at0);
        Assert.Equal(50.0, DecodeRoofline.TokensPerSecond(1.0, 2e7), 9);
    }

    [Fact]
    public void Spread_is_the_median_with_its_extremes()
    {
        Assert.Equal(new Spread(3, 1, 9), Spread.Of([9, 1, 3]));
        Assert.Equal(new Spread(2.5, 1, 9), Spread.Of([9, 1, 3, 2]));
        Assert.Equal(new Spread(0, 0, 0), Spread.Of([]));
    }

    [Fact]
    public void Bad_options_are_refused_with_the_flag_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new BenchOptions { ModelPath = "x", GenTokens = 1 }.Validate());
        Assert.Contains("--gen", e.Message);
    }

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
        Assert.Equal(new Mesh.Engine.Scheduling.EngineOptions().KvCacheType, o.MeshKvType);
        Assert.Equal(KvCacheType.F16, o.MeshKvType);
        Assert.Equal(KvCacheType.F16, o.LlamaCppKvType);
        Assert.True(o.QuantizeActivations);
        var both = o with { KvType = KvCacheType.F32 };
        Assert.Equal(KvCacheType.F32, both.LlamaCppKvType);
    }
}
