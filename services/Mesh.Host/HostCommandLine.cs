using System.Globalization;

namespace Mesh.Host;

/// <summary>
/// <c>mesh-host [--model PATH] [--model-name NAME] [--port 8080] [--prefill-workers 1] [--decode-workers 1] [--colocated] [--threads N] [--elastic] [--admin] [--journal DIR]</c>.
/// Other arguments pass through to ASP.NET Core configuration (e.g. <c>--Mesh:Worker:MaxSequences=32</c>).
/// </summary>
public static class HostCommandLine
{
    /// <summary>The layout named on the command line, and the arguments left for the configuration.</summary>
    /// <exception cref="ArgumentException">A value is missing or not a number in range.</exception>
    public static (EmbeddedOptions Options, string[] Remaining) Parse(string[] args)
    {
        var options = new EmbeddedOptions();
        List<string> rest = [];
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--model": options = options with { ModelPath = Value(args, ref i) }; break;
                case "--model-name": options = options with { ModelName = Value(args, ref i) }; break;
                case "--port": options = options with { Port = Number(args, ref i, 1, 65535) }; break;
                case "--prefill-workers": options = options with { PrefillWorkers = Number(args, ref i, 1, 64) }; break;
                case "--decode-workers": options = options with { DecodeWorkers = Number(args, ref i, 1, 64) }; break;
                case "--threads": options = options with { Threads = Number(args, ref i, 1, 1024) }; break;
                case "--colocated": options = options with { Colocated = true }; break;
                case "--admin": options = options with { Admin = true }; break;
                case "--elastic": options = options with { Elastic = true }; break;
                case "--journal": options = options with { JournalDirectory = Value(args, ref i) }; break;
                default: rest.Add(arg); break;
            }
        }
        return (options, [.. rest]);
    }

    private static string Value(string[] args, ref int i)
    {
        string name = args[i];
        if (++i >= args.Length || args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"{name} needs a value");
        return args[i];
    }

    private static int Number(string[] args, ref int i, int min, int max)
    {
        string name = args[i];
        string text = Value(args, ref i);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max}, got '{text}'");
    }
}
