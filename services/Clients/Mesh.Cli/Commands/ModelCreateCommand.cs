using Mesh.Engine.Model;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh model create</c>: writes a deterministic random Llama model.</summary>
public static class ModelCreateCommand
{
    public static int Run(string[] args)
    {
        var cl = CommandLine.Parse(args, new HashSet<string> { "tied" });
        string? preset = cl.String("preset");
        var o = preset is not null ? FromPreset(preset) : new ModelCreateOptions
        {
            Dim = Need(cl, "dim"),
            Layers = Need(cl, "layers"),
            Heads = Need(cl, "heads"),
            KvHeads = 0,
            FfnDim = Need(cl, "ffn"),
            VocabSize = Need(cl, "vocab"),
        };
        o = o with
        {
            Dim = cl.Int("dim", o.Dim),
            Layers = cl.Int("layers", o.Layers),
            Heads = cl.Int("heads", o.Heads),
            FfnDim = cl.Int("ffn", o.FfnDim),
            VocabSize = cl.Int("vocab", o.VocabSize),
            ContextLength = cl.Int("context", o.ContextLength),
            Format = cl.String("format") ?? o.Format,
            DType = cl.String("dtype") ?? o.DType,
            Seed = cl.ULong("seed", o.Seed),
            TiedEmbeddings = cl.Has("tied") || o.TiedEmbeddings,
            Out = cl.Required("out"),
        };
        o = o with { KvHeads = cl.Int("kv-heads", o.KvHeads > 0 ? o.KvHeads : o.Heads) };
        cl.RejectUnknown();
        try { ModelCreator.Create(o); }
        catch (ArgumentException ex) { throw new UsageException(ex.Message); }   // a shape or dtype the creator cannot make
        Console.WriteLine($"wrote {o.Out}: {o.Format} {o.DType}, dim {o.Dim}, {o.Layers} layers, {o.Heads} heads / {o.KvHeads} kv, ffn {o.FfnDim}, vocab {o.VocabSize}, seed {o.Seed}");
        return 0;
    }

    private static ModelCreateOptions FromPreset(string name)
    {
        try { return ModelCreateOptions.Preset(name); }
        catch (ArgumentException ex) { throw new UsageException(ex.Message); }
    }

    private static int Need(CommandLine cl, string name) =>
        cl.Int(name, 0) is > 0 and var v ? v : throw new UsageException($"--{name} is required (or give --preset)");
}
