using Mesh.Engine.Tests.Support;

namespace Mesh.Engine.Tests.Tokenization;

/// <summary>The real data the tokenizer tests read (see <see cref="Support.SharedData"/>).</summary>
internal static class TokenizationTestData
{
    public static string Stories260KGguf => SharedData.Stories260K ?? "/nonexistent/stories260K.gguf";

    public const string MissingStories = Support.SharedData.MissingStories;
}
