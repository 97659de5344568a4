using YamlDotNet.RepresentationModel;

namespace Mesh.Dapr.Tests;

/// <summary>dapr.yaml wires the KV data plane: kvcache's h2c endpoint is where workers and the scheduler look, on a port of its own.</summary>
public sealed class DataPlanePortTests
{
    private static readonly YamlMappingNode Root = Yaml.Documents(RepositoryPaths.Combine("dapr.yaml")).Single();

    private static YamlMappingNode[] Apps => [.. ((YamlSequenceNode)Root.Get("apps")!).Children.Cast<YamlMappingNode>()];

    [Fact]
    public void Workers_and_the_scheduler_reach_kvcache_on_its_h2c_endpoint_with_HTTP2()
    {
        YamlMappingNode common = Root.Map("common").Map("env");
        YamlMappingNode kvcache = Apps.Single(a => a.Text("appID") == "kvcache");
        var h2c = new Uri(kvcache.Map("env").Text("KvCache__H2cUrl")!);

        Assert.Equal("http", h2c.Scheme);
        Assert.Equal(h2c, new Uri(common.Text("Mesh__Worker__KvCacheUrl")!));
        Assert.Equal(h2c, new Uri(common.Text("Mesh__Scheduler__KvCacheUrl")!));
        Assert.True(common.Text("Mesh__KvCacheClient__Protocol") is null or "Http2", "the client must speak HTTP/2 to an h2c endpoint");
    }

    [Fact]
    public void The_h2c_port_is_no_app_or_sidecar_port()
    {
        int h2c = new Uri(Apps.Single(a => a.Text("appID") == "kvcache").Map("env").Text("KvCache__H2cUrl")!).Port;
        string[] taken = [.. Apps.SelectMany(a => new[] { a.Text("appPort"), a.Text("daprHTTPPort"), a.Text("daprGRPCPort") }).Select(p => p!)];

        Assert.DoesNotContain(h2c.ToString(System.Globalization.CultureInfo.InvariantCulture), taken);
    }
}
