using System.Text;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Mesh.Cli.Tests;

/// <summary>Runs the <c>mesh</c> entry point in-process with captured standard output and error
/// (the tests of this assembly run one at a time because the console is process-wide).</summary>
internal static class CliRun
{
    public static (int Exit, string Out, string Err) Mesh(params string[] args)
    {
        var stdout = new StringWriter(new StringBuilder());
        var stderr = new StringWriter(new StringBuilder());
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int exit = Cli.Run(args);
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}

/// <summary>A temporary folder deleted at the end of the test class.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mesh-cli-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}
