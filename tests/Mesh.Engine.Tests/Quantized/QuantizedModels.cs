using Mesh.Kernels;
using LLama;
using LLama.Native;
using Microsoft.Extensions.Logging.Abstractions;
using Mesh.Engine.Model;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Parity;
using Mesh.Kernels.Cpu;

namespace Mesh.Engine.Tests.Quantized;

/// <summary>The quantised files of one test class: each case's F32 model made by
/// <see cref="ModelCreator"/>, quantised by llama.cpp's own quantiser (LLamaSharp), then opened by Mesh
/// (an engine, and a runner with llama.cpp-style activation quantisation) and by llama.cpp.</summary>
public sealed class QuantizedModels : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-quantized-").FullName;
    private readonly Dictionary<string, QuantizedPair> _pairs = new();

    /// <summary>The case's file opened on every side; null with <paramref name="skip"/> set when
    /// llama.cpp's native library cannot quantise or load it.</summary>
    internal QuantizedPair? Open(QuantizedCase c, out string? skip)
    {
        if (_pairs.TryGetValue(c.Name, out var pair)) { skip = null; return pair; }
        string source = Path.Combine(_dir, c.Name + "-f32.gguf"), path = ScratchPath(c.Name);
        ModelCreator.Create(c.Options with { Out = source, Format = "gguf" });
        try
        {
            // loads llama.cpp's native library (the quantiser's own entry points do not) and silences it
            NativeApi.llama_empty_call();
            NativeLogConfig.llama_log_set(NullLogger.Instance);
            if (!LLamaQuantizer.Quantize(source, path, c.Ftype, nthread: 2, allowRequantize: false, quantizeOutputTensor: true))
            {
                skip = $"llama.cpp could not quantise {source} to {c.Ftype}";
                return null;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            skip = $"llama.cpp (LLamaSharp) is not available: {e.Message}";
            return null;
        }
        return Open(c.Name, path, out skip);
    }

    /// <summary>Opens any quantised GGUF (e.g. a deliberately altered copy) under <paramref name="key"/>.</summary>
    internal QuantizedPair? Open(string key, string path, out string? skip)
    {
        if (_pairs.TryGetValue(key, out var pair)) { skip = null; return pair; }
        var reference = LlamaCppReference.TryLoad(path, ParityModels.ContextSize, out skip);
        if (reference is null) return null;
        var model = ModelLoader.Load(path);
        var engine = new InferenceEngine(model, new EngineOptions { Threads = 2, MaxSequences = 1, MaxContext = ParityModels.ContextSize, KvCacheType = KvCacheType.F32 });
        var runner = new QuantizedKernelRunner(model, ParityModels.ContextSize, new CpuKernelOptions { QuantizeQ8Activations = true });
        var exact = new QuantizedKernelRunner(model, ParityModels.ContextSize, new CpuKernelOptions { QuantizeQ8Activations = false });
        pair = new QuantizedPair(path, model, engine, runner, exact, reference);
        _pairs[key] = pair;
        return pair;
    }

    /// <summary>A path in the temporary folder for a GGUF file.</summary>
    internal string ScratchPath(string key) => Path.Combine(_dir, key + ".gguf");

    public void Dispose()
    {
        foreach (var p in _pairs.Values) p.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One quantised file opened by Mesh (engine, and runners in both activation modes) and by llama.cpp.</summary>
internal sealed class QuantizedPair(string path, LoadedModel model, InferenceEngine engine,
    QuantizedKernelRunner quantised, QuantizedKernelRunner exact, LlamaCppReference reference) : IDisposable
{
    public string Path { get; } = path;
    public LoadedModel Model { get; } = model;
    public InferenceEngine Engine { get; } = engine;
    /// <summary>Activations quantised to Q8_0/Q8_K per token, as llama.cpp does.</summary>
    public QuantizedKernelRunner Quantised { get; } = quantised;
    /// <summary>F32 activations; weights widened per product.</summary>
    public QuantizedKernelRunner Exact { get; } = exact;
    public LlamaCppReference Reference { get; } = reference;
    public int VocabSize => Model.Config.VocabSize;

    public void Dispose()
    {
        Reference.Dispose();
        Quantised.Dispose();
        Exact.Dispose();
        Engine.Dispose();
        Model.Dispose();
    }
}
