namespace Mesh.Engine.Model;

/// <summary>Byte-pair-encoding training over a counted word list, incremental (only the words that
/// hold the merged pair are re-counted). Ties go to the pair of lower ids, so the result is fixed.
/// A merge whose piece would have a second split into two vocabulary pieces is skipped
/// (see <see cref="SyntheticVocabulary"/> for why).</summary>
internal sealed class BpeTrainer
{
    private readonly List<string> _tokens;
    private readonly Dictionary<string, int> _ids = [];
    private readonly Dictionary<string, List<string>> _byPrefix = [];
    private readonly Dictionary<string, List<string>> _bySuffix = [];
    private readonly List<List<int>> _words = [];
    private readonly List<long> _counts = [];
    private readonly Dictionary<long, long> _pairCounts = [];
    private readonly Dictionary<long, HashSet<int>> _pairWords = [];
    private readonly PriorityQueue<long, (long NegCount, long Pair)> _queue = new();
    private readonly HashSet<long> _rejected = [];

    public IReadOnlyList<string> Tokens => _tokens;

    public BpeTrainer(List<string> initialTokens, List<(string Word, long Count)> corpus)
    {
        _tokens = [.. initialTokens];
        for (int i = 0; i < _tokens.Count; i++) _ids[_tokens[i]] = i;
        foreach (var (word, count) in corpus)
        {
            var symbols = new List<int>(word.Length);
            foreach (char c in word)
                symbols.Add(_ids.TryGetValue(c.ToString(), out int id) ? id : throw new ArgumentException($"corpus character '{c}' has no piece"));
            _words.Add(symbols);
            _counts.Add(count);
            AddPairs(_words.Count - 1, +1, null);
        }
        foreach (var (pair, count) in _pairCounts) _queue.Enqueue(pair, (-count, pair));
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>Merges until the vocabulary has <paramref name="size"/> pieces; returns the merges
    /// as "left right" in rank order.</summary>
    public string[] Train(int size)
    {
        var merges = new List<string>();
        while (_tokens.Count < size)
        {
            if (!_queue.TryDequeue(out long pair, out var priority))
                throw new InvalidOperationException($"the synthetic corpus ran out of merges at {_tokens.Count} pieces ({size} asked)");
            long count = _pairCounts.GetValueOrDefault(pair);
            if (count <= 0 || -priority.NegCount != count || _rejected.Contains(pair)) continue;
            int a = (int)(pair >> 32), b = (int)(uint)pair;
            string piece = _tokens[a] + _tokens[b];
            if (!HasSingleSplit(piece, _tokens[a].Length))
            {
                _rejected.Add(pair);
                continue;
            }
            int id = AddToken(piece);
            merges.Add(_tokens[a] + " " + _tokens[b]);
            Apply(a, b, id, pair);
        }
        return [.. merges];
    }

    /// <summary>True when <paramref name="piece"/> is new, splits into two pieces only at
    /// <paramref name="at"/>, and gives no existing piece a second split.</summary>
    private bool HasSingleSplit(string piece, int at)
    {
        if (_ids.ContainsKey(piece)) return false;
        for (int k = 1; k < piece.Length; k++)
            if (k != at && _ids.ContainsKey(piece[..k]) && _ids.ContainsKey(piece[k..])) return false;
        if (_byPrefix.TryGetValue(piece, out var longer))
            foreach (string t in longer)
                if (_ids.ContainsKey(t[piece.Length..])) return false;
        if (_bySuffix.TryGetValue(piece, out longer))
            foreach (string t in longer)
                if (_ids.ContainsKey(t[..^piece.Length])) return false;
        return true;
    }

    private int AddToken(string piece)
    {
        int id = _tokens.Count;
        _tokens.Add(piece);
        _ids[piece] = id;
        for (int k = 1; k < piece.Length; k++)
        {
            Index(_byPrefix, piece[..k], piece);
            Index(_bySuffix, piece[k..], piece);
        }
        return id;
    }

    private static void Index(Dictionary<string, List<string>> index, string key, string piece)
    {
        if (!index.TryGetValue(key, out var list)) index[key] = list = [];
        list.Add(piece);
    }

    private void Apply(int a, int b, int merged, long pair)
    {
        var touched = new HashSet<long>();
        if (!_pairWords.Remove(pair, out var holders)) return;
        foreach (int w in holders)
        {
            var symbols = _words[w];
            AddPairs(w, -1, touched);
            int write = 0;
            for (int read = 0; read < symbols.Count; read++)
            {
                if (read + 1 < symbols.Count && symbols[read] == a && symbols[read + 1] == b)
                {
                    symbols[write++] = merged;
                    read++;
                }
                else symbols[write++] = symbols[read];
            }
            symbols.RemoveRange(write, symbols.Count - write);
            AddPairs(w, +1, touched);
        }
        foreach (long p in touched)
        {
            long c = _pairCounts.GetValueOrDefault(p);
            if (c > 0 && !_rejected.Contains(p)) _queue.Enqueue(p, (-c, p));
        }
    }

    private void AddPairs(int w, int sign, HashSet<long>? touched)
    {
        var symbols = _words[w];
        long count = _counts[w] * sign;
        for (int i = 0; i + 1 < symbols.Count; i++)
        {
            long key = Key(symbols[i], symbols[i + 1]);
            _pairCounts[key] = _pairCounts.GetValueOrDefault(key) + count;
            if (sign > 0)
            {
                if (!_pairWords.TryGetValue(key, out var set)) _pairWords[key] = set = [];
                set.Add(w);
            }
            touched?.Add(key);
        }
    }
}
