namespace Mesh.Engine.Model;

/// <summary>The fixed word list random vocabularies are trained on: common English words, their
/// capitalised forms, numbers and made-up syllable words, each with a Zipf-like count. It does not
/// depend on any seed, so every random model of one vocabulary size shares one vocabulary.</summary>
internal static class SyntheticCorpus
{
    private const string Common =
        "the and to a was he she it in of that his her they said with on for you had but there one day time " +
        "little so up at big saw is were very be all what not as did go we when then away like could out from " +
        "mom dad friend play happy tree sun ball girl boy dog cat bird house home park water fun named once upon " +
        "wanted went looked found came made help good new sad toy red blue green car book run jump smile love";
    private static readonly string[] Onsets = ["", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "y", "z",
        "th", "sh", "ch", "st", "tr", "br", "pl", "gr", "cl", "fr", "sp", "qu"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "oo", "ie", "y"];
    private static readonly string[] Codas = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "ck", "x", "ll"];

    /// <summary>The first <paramref name="count"/> distinct words (most frequent first), each starting
    /// with the space marker unless it is punctuation, with their counts.</summary>
    public static List<(string Word, long Count)> Words(int count)
    {
        var words = new List<(string, long)>();
        var seen = new HashSet<string>();
        void Add(string w, long count)
        {
            if (seen.Add(w)) words.Add((w, Math.Max(1, count)));
        }
        char sp = SyntheticVocabulary.SpaceMarker;
        string[] common = Common.Split(' ');
        for (int r = 0; r < common.Length; r++)
        {
            Add(sp + common[r], 2_000_000 / (r + 10));
            Add($"{sp}{char.ToUpperInvariant(common[r][0])}{common[r][1..]}", 200_000 / (r + 10));
        }
        foreach (string p in new[] { ".", ",", "!", "?", "'s", "n't", "\"", "-", ":", ";", "(", ")" })
            Add(p, 50_000);
        for (int n = 0; n < 200; n++) Add(sp + n.ToString(), 20_000 / (n + 10));
        for (int year = 1900; year < 2030; year++) Add(sp + year.ToString(), 500);

        var rng = new SeededNormal(0x4d657368, "corpus");
        for (int rank = 0; words.Count < count; rank++)
        {
            int syllables = 1 + (int)(rng.NextUInt64() % 3);
            var w = new System.Text.StringBuilder().Append(sp);
            for (int s = 0; s < syllables; s++)
            {
                w.Append(Onsets[rng.NextUInt64() % (ulong)Onsets.Length]);
                w.Append(Vowels[rng.NextUInt64() % (ulong)Vowels.Length]);
                w.Append(Codas[rng.NextUInt64() % (ulong)Codas.Length]);
            }
            string word = w.ToString();
            if (rng.NextUInt64() % 8 == 0) word = $"{sp}{char.ToUpperInvariant(word[1])}{word[2..]}";
            Add(word, 400_000 / (rank + 50));
        }
        return words.Count > count ? words[..count] : words;
    }
}
