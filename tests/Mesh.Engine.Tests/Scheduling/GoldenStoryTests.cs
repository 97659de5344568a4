using Mesh.Engine.Model;
using Mesh.Engine.Sampling;
using Mesh.Engine.Scheduling;
using Mesh.Engine.Tests.Support;

namespace Mesh.Engine.Tests.Scheduling;

/// <summary>The real stories260K model, greedy from BOS, must tell the story its authors published
/// (stories260K.upstream.md) word for word.</summary>
public sealed class GoldenStoryTests
{
    [SkippableFact]
    public void Stories260K_greedy_from_BOS_reproduces_the_upstream_story()
    {
        Skip.If(TestModels.Stories260K is null, TestModels.NoSharedData);
        string doc = File.ReadAllText(Path.Combine(Path.GetDirectoryName(TestModels.Stories260K)!, "stories260K.upstream.md"));
        string expected = UpstreamGreedyText(doc);

        using var model = ModelLoader.Load(TestModels.Stories260K!);
        using var engine = new InferenceEngine(model, new EngineOptions { Threads = 2, MaxSequences = 1 });
        var result = Generation.Run(engine, [model.Tokenizer.BosId!.Value], SamplingParams.Greedy(300));

        Assert.StartsWith(expected, result.Text);
    }

    /// <summary>The text of the first code block after the "-t 0.0" command line in the doc.</summary>
    private static string UpstreamGreedyText(string doc)
    {
        int cmd = doc.IndexOf("-t 0.0", StringComparison.Ordinal);
        int start = doc.IndexOf('\n', cmd) + 1;
        int end = doc.IndexOf("```", start, StringComparison.Ordinal);
        string text = doc[start..end].TrimEnd('\n');
        Assert.StartsWith("Once upon a time", text);
        return text;
    }
}
