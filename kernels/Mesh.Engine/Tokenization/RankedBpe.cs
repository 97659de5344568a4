namespace Mesh.Engine.Tokenization;

/// <summary>Rank-ordered BPE merging (Hugging Face / GPT-2 semantics): repeatedly merge the adjacent
/// pair whose merge rule comes first in the merges list, leftmost on ties, until no rule applies.
/// A heap of candidate pairs keeps a word of n symbols at O(n log n).</summary>
internal sealed class RankedBpe
{
    /// <summary>(left id &lt;&lt; 32 | right id) → (rank in the merges list, merged id).</summary>
    private readonly Dictionary<long, (int Rank, int Merged)> _rules;

    /// <summary>Per-thread work arrays, grown as needed, so merging allocates nothing per word.</summary>
    [ThreadStatic] private static Scratch? t_scratch;

    private RankedBpe(Dictionary<long, (int Rank, int Merged)> rules) => _rules = rules;

    public int RuleCount => _rules.Count;

    /// <summary>Builds the rules from merges given as piece pairs; a pair whose pieces or whose
    /// concatenation is not in the vocabulary cannot apply and is skipped, a repeated pair keeps its
    /// first rank.</summary>
    public static RankedBpe Create(IReadOnlyList<(string Left, string Right)> merges, IReadOnlyDictionary<string, int> ids)
    {
        var rules = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (ids.TryGetValue(left, out int l) && ids.TryGetValue(right, out int r) && ids.TryGetValue(left + right, out int merged))
                rules.TryAdd(Key(l, r), (rank, merged));
        }
        return new RankedBpe(rules);
    }

    /// <summary>Splits a merge line "a b" into its two pieces. A line with several spaces (a piece that
    /// itself holds a space) is split where both halves are known pieces.</summary>
    public static bool TrySplitMerge(string line, IReadOnlyDictionary<string, int> ids, out (string Left, string Right) pair)
    {
        int first = line.IndexOf(' ');
        if (first > 0 && line.IndexOf(' ', first + 1) < 0)
        {
            pair = (line[..first], line[(first + 1)..]);
            return true;
        }
        for (int i = line.IndexOf(' ', 1); i > 0 && i < line.Length - 1; i = line.IndexOf(' ', i + 1))
        {
            string left = line[..i], right = line[(i + 1)..];
            if (ids.ContainsKey(left) && ids.ContainsKey(right))
            {
                pair = (left, right);
                return true;
            }
        }
        pair = default;
        return false;
    }

    /// <summary>Merges <paramref name="symbols"/> in place; returns how many symbols remain at its start.</summary>
    public int Apply(Span<int> symbols)
    {
        int n = symbols.Length;
        if (n < 2 || _rules.Count == 0) return n;
        var scratch = t_scratch ??= new Scratch();
        scratch.Ensure(n);
        int[] prev = scratch.Prev, next = scratch.Next;
        var heap = scratch.Heap;
        heap.Clear();
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        for (int i = 0; i + 1 < n; i++) PushPair(heap, symbols, i, i + 1);

        while (heap.TryDequeue(out int pos, out long priority))
        {
            int right = next[pos];
            if (symbols[pos] < 0 || right < 0) continue;
            if (!_rules.TryGetValue(Key(symbols[pos], symbols[right]), out var rule) || rule.Rank != (int)(priority >> 32)) continue;

            symbols[pos] = rule.Merged;
            symbols[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) PushPair(heap, symbols, prev[pos], pos);
            if (next[pos] >= 0) PushPair(heap, symbols, pos, next[pos]);
        }

        int count = 0;
        for (int i = 0; i >= 0; i = next[i]) symbols[count++] = symbols[i];
        return count;
    }

    private void PushPair(PriorityQueue<int, long> heap, Span<int> symbols, int left, int right)
    {
        if (_rules.TryGetValue(Key(symbols[left], symbols[right]), out var rule))
            heap.Enqueue(left, ((long)rule.Rank << 32) | (uint)left);
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private sealed class Scratch
    {
        public int[] Prev = new int[64];
        public int[] Next = new int[64];
        public readonly PriorityQueue<int, long> Heap = new();

        public void Ensure(int n)
        {
            if (Prev.Length >= n) return;
            int size = Math.Max(n, Prev.Length * 2);
            Prev = new int[size];
            Next = new int[size];
        }
    }
}
