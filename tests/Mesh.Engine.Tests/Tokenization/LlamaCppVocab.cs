using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary>llama.cpp's tokenizer (through LLamaSharp, vocabulary-only load) as the reference.</summary>
internal sealed class LlamaCppVocab : IDisposable
{
    private readonly LLamaWeights _weights;

    private LlamaCppVocab(LLamaWeights weights) => _weights = weights;

    /// <summary>Loads the vocabulary of a GGUF file; null with the reason when llama.cpp's native
    /// library or the file cannot be loaded.</summary>
    public static LlamaCppVocab? TryLoad(string path, out string? error)
    {
        try
        {
            NativeLogConfig.llama_log_set(NullLogger.Instance);
            var weights = LLamaWeights.LoadFromFile(new ModelParams(path) { VocabOnly = true });
            error = null;
            return new LlamaCppVocab(weights);
        }
        catch (Exception e)
        {
            error = $"llama.cpp (LLamaSharp) could not load {path}: {e.GetType().Name}: {e.Message}";
            return null;
        }
    }

    /// <summary><c>llama_tokenize</c> with special-token parsing on.</summary>
    public int[] Tokenize(string text, bool addBos) =>
        _weights.Tokenize(text, addBos, special: true, Encoding.UTF8).Select(t => (int)t).ToArray();

    /// <summary><c>llama_detokenize</c> of text ids (no BOS) without special tokens: pieces joined,
    /// the first piece's leading space removed when <paramref name="lstripFirst"/>.</summary>
    public string Detokenize(IEnumerable<int> ids, bool lstripFirst)
    {
        var bytes = new List<byte>();
        var buffer = new byte[64];
        bool first = true;
        foreach (int id in ids)
        {
            int n = NativeApi.llama_token_to_piece(_weights.NativeHandle.Vocab, id, buffer, first && lstripFirst ? 1 : 0, false);
            bytes.AddRange(buffer.AsSpan(0, n).ToArray());
            first = false;
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public void Dispose() => _weights.Dispose();
}
