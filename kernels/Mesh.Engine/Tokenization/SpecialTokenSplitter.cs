using System.Buffers;

namespace Mesh.Engine.Tokenization;

/// <summary>A piece of input text: raw text to tokenize (<see cref="Id"/> &lt; 0) or the text of one
/// special token.</summary>
internal readonly record struct TextFragment(int Start, int Length, int Id)
{
    public bool IsRaw => Id < 0;
}

/// <summary>Cuts input text at the special tokens it contains (control, unknown and user-defined
/// pieces such as <c>&lt;|im_start|&gt;</c> or <c>&lt;s&gt;</c>), leftmost match first, the longest
/// token winning at one position, as llama.cpp does with special-token parsing on.</summary>
internal sealed class SpecialTokenSplitter
{
    /// <summary>Characters that start at least one special token, for a vectorized skip.</summary>
    private readonly SearchValues<char> _firstChars;
    /// <summary>Special tokens by first character, longest first.</summary>
    private readonly Dictionary<char, (string Text, int Id)[]> _byFirstChar;

    public SpecialTokenSplitter(IEnumerable<(string Text, int Id)> specials)
    {
        _byFirstChar = specials
            .Where(s => s.Text.Length > 0)
            .GroupBy(s => s.Text[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(s => s.Text.Length).ThenBy(s => s.Id).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    public int Count => _byFirstChar.Values.Sum(v => v.Length);

    public void Split(string text, List<TextFragment> fragments)
    {
        int rawStart = 0, i = 0;
        while (i < text.Length)
        {
            int next = text.AsSpan(i).IndexOfAny(_firstChars);
            if (next < 0) break;
            i += next;
            int id = -1, length = 0;
            foreach (var (special, specialId) in _byFirstChar[text[i]])
            {
                if (text.AsSpan(i).StartsWith(special, StringComparison.Ordinal))
                {
                    id = specialId;
                    length = special.Length;
                    break;
                }
            }
            if (id < 0)
            {
                i++;
                continue;
            }
            if (i > rawStart) fragments.Add(new TextFragment(rawStart, i - rawStart, -1));
            fragments.Add(new TextFragment(i, length, id));
            i += length;
            rawStart = i;
        }
        if (text.Length > rawStart) fragments.Add(new TextFragment(rawStart, text.Length - rawStart, -1));
    }
}
