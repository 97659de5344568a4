using Mesh.Engine.Scheduling;

namespace Mesh.Engine.Tests.Scheduling;

public sealed class StopMatcherTests
{
    [Fact]
    public void Streams_text_until_a_stop_string_spanning_pieces()
    {
        var m = new StopMatcher(["END"]);
        Assert.Equal(("Hello ", false), m.Push("Hello E"));
        Assert.Equal(("", false), m.Push("N"));
        Assert.Equal(("", true), m.Push("D and more"));
    }

    [Fact]
    public void A_false_start_is_released()
    {
        var m = new StopMatcher(["END"]);
        Assert.Equal(("a", false), m.Push("aE"));
        Assert.Equal(("EX", false), m.Push("X"));
        Assert.Equal(("b", false), m.Push("b"));
        Assert.Equal(("c", false), m.Push("cE"));
        Assert.Equal("E", m.Flush());
    }

    [Fact]
    public void Without_stop_strings_text_passes_through()
    {
        var m = new StopMatcher([]);
        Assert.Equal(("END", false), m.Push("END"));
    }
}
