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

    /// <summary>A second engine over the model running the scalar reference kernels, made on first use.</summary>
    public InferenceEngine ReferenceKernelsEngine => _referenceKernels ??= new InferenceEngine(Model,
        new EngineOptions { Threads = 2, MaxSequences = 1, MaxContext = ParityModels.ContextSize, ReferenceKernels = true });

    private InferenceEngine? _referenceKernels;

    public void Dispose()
    {
        Reference.Dispose();
        _referenceKernels?.Dispose();
        Engine.Dispose();
        Model.Dispose();
    }
}
