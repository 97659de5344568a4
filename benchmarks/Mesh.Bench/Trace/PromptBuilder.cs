namespace Mesh.Bench.Trace;

/// <summary>
/// What prompts may be made of: the served tokenizer's BOS (when it adds one) and its ordinary token ids (no control,
/// unknown or unused ones), so a prompt of token ids is exactly as long as asked and means nothing special to the model.
/// </summary>
/// <param name="BosId">Put first in every prompt; null when the tokenizer adds none.</param>
/// <param name="PlainIds">Ids prompts draw from.</param>
public sealed record PromptVocabulary(int? BosId, int[] PlainIds)
{
    /// <exception cref="ArgumentException">No ids to draw from.</exception>
    public void Validate()
    {
        if (PlainIds.Length == 0) throw new ArgumentException("the served tokenizer has no ordinary token ids to build prompts from");
    }
}

/// <summary>
/// Builds each replayed request's prompt as token ids (sent as an OpenAI token-id prompt, so its length is exact):
/// BOS, then for a Mooncake request one run of <see cref="ShapedRequest.BlockTokens"/> ids per prefix-block hash id,
/// drawn from a generator seeded by that hash id alone (equal hash ids give equal blocks, so requests that share a
/// prefix in the trace share it here and the KV prefix cache can serve it), then ids drawn from a generator seeded by
/// the request's index, up to <see cref="ShapedRequest.PromptTokens"/>. Azure requests have no hash ids: their prompts
/// share nothing but BOS. The same seed gives the same prompts.
/// </summary>
public sealed class PromptBuilder(PromptVocabulary vocabulary, int seed)
{
    /// <summary>The prompt of <paramref name="request"/>.</summary>
    public int[] Build(ShapedRequest request)
    {
        var ids = new int[request.PromptTokens];
        int filled = 0;
        if (vocabulary.BosId is { } bos) ids[filled++] = bos;
        foreach (int hash in request.Source.BlockHashes ?? [])
        {
            if (filled == ids.Length) break;
            filled = Fill(ids, filled, request.BlockTokens, new Random(Mix(seed, hash)));
        }
        Fill(ids, filled, ids.Length - filled, new Random(Mix(seed, -1 - (long)request.Index)));
        return ids;
    }

    private int Fill(int[] ids, int from, int count, Random random)
    {
        int end = Math.Min(ids.Length, from + count);
        int[] plain = vocabulary.PlainIds;
        for (int i = from; i < end; i++) ids[i] = plain[random.Next(plain.Length)];
        return end;
    }

    /// <summary>A generator seed from the run's seed and a block or request key (SplitMix64's finaliser).</summary>
    private static int Mix(int seed, long key)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)key);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }
}
