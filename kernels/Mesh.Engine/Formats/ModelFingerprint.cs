using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mesh.Engine.Model;

namespace Mesh.Engine.Formats;

/// <summary>SHA-256 over what makes two loaded models interchangeable: the config, every tensor's
/// name, type and shape, the tokenizer's identity and a sample of each tensor's bytes (its first
/// and last 4 KiB), so a multi-GB file is fingerprinted without reading it all.</summary>
internal static unsafe class ModelFingerprint
{
    private const int SampleBytes = 4096;

    public static string Compute(ModelConfig config, IEnumerable<StoredTensor> tensors, ReadOnlySpan<byte> tokenizerIdentity)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Add(hash, Describe(config));
        foreach (var t in tensors)
        {
            Add(hash, $"{t.Name}|{t.Type}|{string.Join(',', t.Shape)}|{t.ByteLength}");
            var bytes = new ReadOnlySpan<byte>(t.Data, (int)Math.Min(t.ByteLength, int.MaxValue));
            if (t.ByteLength <= 2 * SampleBytes)
                hash.AppendData(bytes);
            else
            {
                hash.AppendData(bytes[..SampleBytes]);
                hash.AppendData(new ReadOnlySpan<byte>(t.Data + t.ByteLength - SampleBytes, SampleBytes));
            }
        }
        hash.AppendData(tokenizerIdentity);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Describe(ModelConfig c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.Architecture}|{c.Dim}|{c.Layers}|{c.Heads}|{c.KvHeads}|{c.FfnDim}|{c.VocabSize}|{c.ContextLength}|{c.RmsEps:R}|{c.RopeTheta:R}|{c.RopeStyle}|{c.RopeScaling}|{c.QkvBias}|{c.TiedEmbeddings}");

    private static void Add(IncrementalHash hash, string text)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        hash.AppendData([0]);
    }
}
