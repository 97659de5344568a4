namespace Mesh.Bench.Trace;

/// <summary>A trace file that does not have the format its reader expects; the message names the file and line.</summary>
public sealed class TraceFormatException(string path, int line, string problem)
    : Exception($"{path}:{line}: {problem}")
{
    /// <summary>The trace file.</summary>
    public string Path { get; } = path;

    /// <summary>1-based line number (the header is line 1 of a CSV).</summary>
    public int Line { get; } = line;
}
