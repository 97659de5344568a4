namespace Mesh.Engine.Model;

/// <summary>A SentencePiece-style BPE vocabulary for random models, learnt by BPE training on a
/// fixed synthetic corpus (so every piece is reachable): <c>&lt;unk&gt;</c>=0, <c>&lt;s&gt;</c>=1,
/// <c>&lt;/s&gt;</c>=2, 256 byte pieces <c>&lt;0x00&gt;</c>..<c>&lt;0xFF&gt;</c>, the single characters,
/// then one piece per merge in merge order, <c>▁</c> standing for a space.
/// A merge is only taken when its piece has exactly one split into two pieces of the vocabulary;
/// with score = −rank this makes SentencePiece's merge-by-score and Hugging Face's merge-by-rank
/// pick the same pair at every step, so both tokenizers give the same ids.</summary>
internal sealed record SyntheticVocabulary(string[] Tokens, float[] Scores, int[] TokenTypes, string[] Merges)
{
    public const int UnknownId = 0, BosId = 1, EosId = 2;
    public const char SpaceMarker = '\u2581';
    /// <summary>GGUF token types: normal, unknown, control, byte.</summary>
    public const int Normal = 1, Unknown = 2, Control = 3, Byte = 6;

    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Digits = "0123456789";
    private const string Punctuation = ".,!?'\"-:;()";

    /// <summary>Single characters every vocabulary has, after the byte pieces.</summary>
    public static readonly string BaseCharacters = SpaceMarker + Letters + Digits + Punctuation;
    public static int MinimumSize => 3 + 256 + BaseCharacters.Length;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, Lazy<SyntheticVocabulary>> Cache = new();

    /// <summary>The vocabulary of <paramref name="size"/> pieces; built once per size (BPE training
    /// takes a moment) and shared.</summary>
    public static SyntheticVocabulary Build(int size) =>
        Cache.GetOrAdd(size, s => new Lazy<SyntheticVocabulary>(() => Train(s))).Value;

    internal static SyntheticVocabulary Train(int size)
    {
        if (size < MinimumSize)
            throw new ArgumentException($"vocabulary size {size} is below the minimum {MinimumSize} (3 special, 256 byte and {BaseCharacters.Length} character pieces)");
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        for (int b = 0; b < 256; b++) tokens.Add($"<0x{b:X2}>");
        foreach (char c in BaseCharacters) tokens.Add(c.ToString());
        int firstPiece = tokens.Count;

        // About four corpus words per merge leaves room for the merges the single-split rule skips.
        int words = Math.Clamp(4 * (size - MinimumSize), 1_000, 80_000);
        var trainer = new BpeTrainer(tokens, SyntheticCorpus.Words(words));
        string[] merges = trainer.Train(size);

        var all = trainer.Tokens;
        var scores = new float[size];
        var types = new int[size];
        types[UnknownId] = Unknown;
        types[BosId] = types[EosId] = Control;
        for (int i = 3; i < firstPiece - BaseCharacters.Length; i++) types[i] = Byte;
        for (int i = firstPiece - BaseCharacters.Length; i < size; i++) types[i] = Normal;
        // Merged pieces score −rank; single characters rank below every merge.
        for (int i = firstPiece - BaseCharacters.Length; i < firstPiece; i++) scores[i] = -(merges.Length + i);
        for (int i = firstPiece; i < size; i++) scores[i] = -(i - firstPiece);
        return new SyntheticVocabulary(all.ToArray(), scores, types, merges);
    }
}
