using Mesh.Engine.Model;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh model inspect PATH</c>.</summary>
public static class ModelInspectCommand
{
    public static int Run(string[] args)
    {
        var cl = CommandLine.Parse(args, new HashSet<string>());
        cl.RejectUnknown();
        if (cl.Words.Count != 1) throw new UsageException("model inspect takes one PATH");
        using var model = ModelLoader.Load(cl.Words[0], panels: false);   // describes the file; computes nothing
        Console.WriteLine(ModelInspector.Describe(model));
        return 0;
    }
}
