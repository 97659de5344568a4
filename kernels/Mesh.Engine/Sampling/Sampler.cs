using System.Numerics.Tensors;

namespace Mesh.Engine.Sampling;

/// <summary>A chosen token with its log-probability under the model's distribution (log-softmax of
/// the raw logits, before penalties and temperature) and the most likely alternatives.</summary>
public readonly record struct TokenLogprob(int Token, float Logprob);

/// <summary>Picks the next token from a row of logits: penalties → temperature → top-k → softmax →
/// top-p → min-p → draw with <see cref="SampleRandom"/>. Scratch buffers are sized to the vocabulary
/// once; sampling allocates nothing (logprob alternatives go into a caller-owned buffer).</summary>
public sealed class Sampler
{
    private readonly float[] _work;   // [vocab] adjusted logits, then probabilities
    private readonly int[] _order;    // [vocab] candidate ids, sorted by probability
    private readonly int[] _counts;   // [vocab] occurrences in the generated text
    private readonly bool[] _seen;    // [vocab] appears in prompt or generated text

    public int VocabSize { get; }

    public Sampler(int vocabSize)
    {
        VocabSize = vocabSize;
        _work = new float[vocabSize];
        _order = new int[vocabSize];
        _counts = new int[vocabSize];
        _seen = new bool[vocabSize];
    }

    /// <summary>Chooses a token. <paramref name="logits"/>[vocab] is left untouched;
    /// <paramref name="context"/> is the sequence so far (prompt then generated, the last
    /// <paramref name="generated"/> of them generated); <paramref name="position"/> is the index the
    /// new token will have in the sequence.</summary>
    public int Sample(ReadOnlySpan<float> logits, SamplingParams p, ReadOnlySpan<int> context, int generated, int position)
    {
        var work = _work.AsSpan(0, VocabSize);
        logits[..VocabSize].CopyTo(work);
        ApplyPenalties(work, p, context, generated);
        if (p.Temperature == 0) return TensorPrimitives.IndexOfMax(work);

        int n = VocabSize;
        var order = _order.AsSpan(0, n);
        for (int i = 0; i < n; i++) order[i] = i;
        TensorPrimitives.Divide(work, p.Temperature, work);
        if (p.TopK > 0 && p.TopK < n)
        {
            SelectTop(work, order, p.TopK);
            n = p.TopK;
        }
        order = order[..n];
        // softmax over the candidates, in place in `work` at their ids
        float max = float.NegativeInfinity;
        foreach (int id in order) max = MathF.Max(max, work[id]);
        double sum = 0;
        foreach (int id in order) { float e = MathF.Exp(work[id] - max); work[id] = e; sum += e; }
        float inv = (float)(1.0 / sum);
        foreach (int id in order) work[id] *= inv;

        if (p.TopP < 1 || p.MinP > 0)
        {
            SortByProbability(work, order);
            n = order.Length;
            if (p.TopP < 1)
            {
                double cum = 0;
                for (int i = 0; i < n; i++)
                {
                    cum += work[order[i]];
                    if (cum >= p.TopP) { n = i + 1; break; }
                }
            }
            if (p.MinP > 0)
            {
                float floor = p.MinP * work[order[0]];
                int keep = 1;
                while (keep < n && work[order[keep]] >= floor) keep++;
                n = keep;
            }
            order = order[..n];
        }

        double total = 0;
        foreach (int id in order) total += work[id];
        double u = SampleRandom.Uniform(p.Seed, position) * total;
        double acc = 0;
        foreach (int id in order)
        {
            acc += work[id];
            if (u < acc) return id;
        }
        return order[^1];
    }

    /// <summary>Log-softmax of the raw logits for <paramref name="token"/>, and the
    /// <paramref name="top"/>.Length most likely tokens into <paramref name="top"/>.</summary>
    public float Logprobs(ReadOnlySpan<float> logits, int token, Span<TokenLogprob> top)
    {
        var row = logits[..VocabSize];
        float max = TensorPrimitives.Max(row);
        double sum = 0;
        foreach (float l in row) sum += Math.Exp(l - max);
        float logZ = max + (float)Math.Log(sum);
        if (top.Length > 0)
        {
            var work = _work.AsSpan(0, VocabSize);
            row.CopyTo(work);
            var order = _order.AsSpan(0, VocabSize);
            for (int i = 0; i < order.Length; i++) order[i] = i;
            SelectTop(work, order, top.Length);
            SortByProbability(work, order[..top.Length]);
            for (int i = 0; i < top.Length; i++) top[i] = new TokenLogprob(order[i], row[order[i]] - logZ);
        }
        return row[token] - logZ;
    }

    private void ApplyPenalties(Span<float> work, SamplingParams p, ReadOnlySpan<int> context, int generated)
    {
        bool repetition = p.RepetitionPenalty != 1f;
        bool additive = p.PresencePenalty != 0 || p.FrequencyPenalty != 0;
        if (!repetition && !additive) return;
        if (repetition)
        {
            foreach (int t in context) _seen[t] = true;
            foreach (int t in context)
            {
                if (!_seen[t]) continue;
                _seen[t] = false;
                work[t] = work[t] > 0 ? work[t] / p.RepetitionPenalty : work[t] * p.RepetitionPenalty;
            }
        }
        if (additive)
        {
            var gen = context[(context.Length - generated)..];
            foreach (int t in gen) _counts[t]++;
            foreach (int t in gen)
            {
                if (_counts[t] == 0) continue;
                work[t] -= p.PresencePenalty + p.FrequencyPenalty * _counts[t];
                _counts[t] = 0;
            }
        }
    }

    /// <summary>Moves the k largest values' ids to the front of order (unsorted among themselves).</summary>
    private static void SelectTop(Span<float> values, Span<int> order, int k)
    {
        int lo = 0, hi = order.Length - 1;
        while (lo < hi)
        {
            float pivot = values[order[(lo + hi) >>> 1]];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[order[i]] > pivot) i++;
                while (values[order[j]] < pivot) j--;
                if (i <= j) { (order[i], order[j]) = (order[j], order[i]); i++; j--; }
            }
            if (k - 1 <= j) hi = j;
            else if (k - 1 >= i) lo = i;
            else break;
        }
    }

    /// <summary>Sorts ids by descending value; ties by ascending id so results are deterministic.</summary>
    private void SortByProbability(Span<float> values, Span<int> order)
    {
        System.Diagnostics.Debug.Assert(values.Length == VocabSize);
        order.Sort(new ByValue(_work));
    }

    private readonly struct ByValue(float[] values) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int c = values[b].CompareTo(values[a]);
            return c != 0 ? c : a.CompareTo(b);
        }
    }
}
