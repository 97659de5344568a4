using Mesh.Engine.Formats.Gguf;
using Mesh.Engine.Model;
using Mesh.Engine.Tokenization;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary>The stories260K GGUF loaded once: Mesh's tokenizer (through the model loader) and
/// llama.cpp's, each null with a skip reason when unavailable.</summary>
public sealed class Stories260KFixture : IDisposable
{
    private readonly LoadedModel? _model;
    private readonly LlamaCppVocab? _llamaCpp;

    public Stories260KFixture()
    {
        string path = TokenizationTestData.Stories260KGguf;
        if (!File.Exists(path))
        {
            SkipReason = TokenizationTestData.MissingStories;
            LlamaCppSkipReason = SkipReason;
            return;
        }
        _model = ModelLoader.Load(path);
        Data = ReadTokenizerData(path);
        _llamaCpp = LlamaCppVocab.TryLoad(path, out string? error);
        LlamaCppSkipReason = error;
    }

    public string? SkipReason { get; }
    /// <summary>The file's tokenizer metadata, read here for tests that rebuild the vocabulary in
    /// other layouts.</summary>
    public GgufTokenizerData Data { get; } = null!;
    public string? LlamaCppSkipReason { get; }
    public MeshTokenizer Tokenizer => _model!.Tokenizer;
    internal LlamaCppVocab LlamaCpp => _llamaCpp!;

    private static GgufTokenizerData ReadTokenizerData(string path)
    {
        using var file = GgufFile.Open(path);
        const string p = "tokenizer.ggml.";
        var types = (file.Metadata[p + "token_type"].Value as GgufArray)!.Items;
        return new GgufTokenizerData
        {
            Model = file.GetString(p + "model")!,
            Tokens = file.GetArray<string>(p + "tokens")!,
            Scores = file.GetArray<float>(p + "scores"),
            TokenTypes = types.Cast<object>().Select(Convert.ToInt32).ToArray(),
            BosId = (int?)file.GetInteger(p + "bos_token_id"),
            EosId = (int?)file.GetInteger(p + "eos_token_id"),
            UnknownId = (int?)file.GetInteger(p + "unknown_token_id"),
        };
    }

    public void Dispose()
    {
        _llamaCpp?.Dispose();
        _model?.Dispose();
    }
}
