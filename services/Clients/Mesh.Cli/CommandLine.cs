namespace Mesh.Cli;

/// <summary>A parsed command line: the words before the first option, then --name value pairs
/// and bare --flags. Unknown options are reported, never ignored.</summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    public IReadOnlyList<string> Words { get; }

    private CommandLine(List<string> words) => Words = words;

    /// <summary>Parses args; <paramref name="flags"/> lists the options that take no value.</summary>
    public static CommandLine Parse(string[] args, IReadOnlySet<string> flags)
    {
        var words = new List<string>();
        var cl = new CommandLine(words);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a == "--")
            {
                words.Add(a);
                continue;
            }
            string name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            else if (!flags.Contains(name))
            {
                if (i + 1 >= args.Length) throw new UsageException($"--{name} needs a value");
                value = args[++i];
            }
            cl._options[name] = value;
        }
        return cl;
    }

    public bool Has(string name) { _used.Add(name); return _options.ContainsKey(name); }

    public string? String(string name) { _used.Add(name); return _options.TryGetValue(name, out var v) ? v : null; }

    public string Required(string name) => String(name) ?? throw new UsageException($"--{name} is required");

    public int Int(string name, int fallback) => Parse(name, fallback, int.TryParse);
    public long Long(string name, long fallback) => Parse(name, fallback, long.TryParse);
    public ulong ULong(string name, ulong fallback) => Parse(name, fallback, ulong.TryParse);
    public float Float(string name, float fallback) =>
        Parse(name, fallback, (string s, out float f) => float.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out f));

    private delegate bool TryParser<T>(string s, out T value);

    private T Parse<T>(string name, T fallback, TryParser<T> parse)
    {
        string? s = String(name);
        if (s is null) return fallback;
        return parse(s, out var v) ? v : throw new UsageException($"--{name} expects a number, got '{s}'");
    }

    /// <summary>Throws for any option the command did not ask about.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}

/// <summary>A command line the user must correct; printed with the usage text, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
