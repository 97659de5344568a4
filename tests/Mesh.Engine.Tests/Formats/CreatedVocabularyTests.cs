using Mesh.Engine.Model;
using Mesh.Engine.Tests.Tokenization;

namespace Mesh.Engine.Tests.Formats;

/// <summary>The random models' vocabulary tokenizes alike in llama.cpp (SentencePiece merging by
/// score), in Mesh's GGUF tokenizer and in Mesh's Hugging Face tokenizer (BPE merging by rank).</summary>
public class CreatedVocabularyTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] Texts =
    [
        "Once upon a time, there was a little girl named Lily.",
        "She said: \"The dog's ball is red!\" (It was 1999.)",
        "  two  spaces, tabs\tand new\nlines; Ünïcödé → bytes ✓",
        "thondjeangrai mullosjiend pymyttri",
    ];

    [SkippableTheory]
    [InlineData("tiny")]
    [InlineData("small")]
    public void Llama_cpp_and_both_mesh_tokenizers_agree(string preset)
    {
        var o = ModelCreateOptions.Preset(preset) with { Seed = 2 };
        string gguf = ModelCreator.Create(o with { Out = _dir.File(preset + ".gguf") });
        string hf = ModelCreator.Create(o with { Format = "safetensors", Out = _dir.File(preset) });
        using var reference = LlamaCppVocab.TryLoad(gguf, out string? error);
        Skip.If(reference is null, error);
        using var g = ModelLoader.Load(gguf);
        using var h = ModelLoader.Load(hf);
        foreach (string text in Texts)
        {
            int[] expected = reference!.Tokenize(text, addBos: true);
            Assert.Equal(expected, g.Tokenizer.Encode(text, addBos: true));
            Assert.Equal(expected, h.Tokenizer.Encode(text, addBos: true));
        }
    }
}
