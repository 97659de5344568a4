using System.Globalization;

namespace Mesh.Dapr.Tests;

/// <summary>Settings of a Mesh.Prefill or Mesh.Decode process on the tiny model: small engine, one thread.</summary>
internal static class WorkerSettings
{
    public const int BlockSize = 16;

    public static Dictionary<string, string?> For(string workerId, TinyModelFile model, Uri kvCacheUrl) => new()
    {
        ["Mesh:Worker:Id"] = workerId,
        ["Mesh:Worker:Model"] = model.Path,
        ["Mesh:Worker:ModelName"] = TinyModelFile.Name,
        ["Mesh:Worker:KvCacheUrl"] = kvCacheUrl.ToString(),
        ["Mesh:Worker:Threads"] = "1",
        ["Mesh:Worker:BlockSize"] = BlockSize.ToString(CultureInfo.InvariantCulture),
        ["Mesh:Worker:KvBlocks"] = "64",
        ["Mesh:Worker:MaxSequences"] = "4",
        ["Mesh:Worker:MaxBatchTokens"] = "64",
    };

    /// <summary><paramref name="count"/> prompt ids after BOS, drawn from <paramref name="seed"/> (no special ids).</summary>
    public static int[] Prompt(int seed, int count)
    {
        var random = new Random(seed);
        return [1, .. Enumerable.Range(0, count - 1).Select(_ => random.Next(3, 512))];
    }
}
