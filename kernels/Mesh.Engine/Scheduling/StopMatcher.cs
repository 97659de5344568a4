namespace Mesh.Engine.Scheduling;

/// <summary>Finds stop strings in streamed text. Text that might be the start of a stop string is
/// held back until the next piece shows whether it is, so no stop text ever reaches the caller.</summary>
public sealed class StopMatcher(IReadOnlyList<string> stops)
{
    private string _held = "";

    /// <summary>Feeds the next piece of text; returns the text safe to emit and whether a stop
    /// string was found (the text before it is returned, the rest dropped).</summary>
    public (string Emit, bool Stopped) Push(string piece)
    {
        if (stops.Count == 0) return (piece, false);
        string text = _held + piece;
        int cut = -1;
        foreach (var s in stops)
        {
            if (s.Length == 0) continue;
            int i = text.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0)
        {
            _held = "";
            return (text[..cut], true);
        }
        int keep = 0;
        foreach (var s in stops)
            for (int len = Math.Min(s.Length - 1, text.Length); len > keep; len--)
                if (text.AsSpan(text.Length - len).SequenceEqual(s.AsSpan(0, len))) { keep = len; break; }
        _held = text[(text.Length - keep)..];
        return (text[..(text.Length - keep)], false);
    }

    /// <summary>Text still held back, released when the sequence ends for another reason.</summary>
    public string Flush()
    {
        string rest = _held;
        _held = "";
        return rest;
    }
}
