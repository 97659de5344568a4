using Mesh.Kernels;
using Mesh.Engine.Model;
using Mesh.Engine.Scheduling;

namespace Mesh.Engine.Tests.Parity;

/// <summary>One GGUF file opened by Mesh (model and an engine over it) and by llama.cpp.</summary>
internal sealed class ParityPair(string path, LoadedModel model, InferenceEngine engine, LlamaCppReference reference) : IDisposable
{
    public string Path { get; } = path;
    public LoadedModel Model { get; } = model;
    public InferenceEngine Engine { get; } = engine;
    public LlamaCppReference Reference { get; } = reference;
    public int VocabSize => Model.Config.VocabSize;

    /// <summary>A second engine over the model running the scalar reference kernels (in the default
    /// activation mode, as <see cref="Engine"/>), made on first use.</summary>
    public InferenceEngine ReferenceKernelsEngine => _referenceKernels ??= new InferenceEngine(Model,
        new EngineOptions { Threads = 2, MaxSequences = 1, MaxContext = ParityModels.ContextSize, ReferenceKernels = true, KvCacheType = KvCacheType.F32 });

    private InferenceEngine? _referenceKernels;

    /// <summary>A second engine over the model in the exact mode (F32 activations for quantised weights,
    /// <c>QuantizeQ8Activations = false</c>), made on first use: what comparisons against llama.cpp on
    /// the F32-widened weights need, where any activation rounding would be a difference.</summary>
    public InferenceEngine ExactEngine => _exact ??= new InferenceEngine(Model,
        new EngineOptions { Threads = 2, MaxSequences = 1, MaxContext = ParityModels.ContextSize, QuantizeQ8Activations = false, KvCacheType = KvCacheType.F32 });

    private InferenceEngine? _exact;

    public void Dispose()
    {
        Reference.Dispose();
        _referenceKernels?.Dispose();
        _exact?.Dispose();
        Engine.Dispose();
        Model.Dispose();
    }
}
