using System.Globalization;
using Mesh.Contracts;
using Mesh.ServiceDefaults.Bus;
using YamlDotNet.RepresentationModel;

namespace Mesh.Bus.Tests;

/// <summary>components/local and components/azure: schema, names the code relies on, and cross-references.</summary>
public sealed class ComponentFileTests
{
    public static TheoryData<string> Folders() => new() { "components/local", "components/azure" };

    private static YamlMappingNode[] Resources(string folder) =>
        [.. Directory.GetFiles(RepositoryPaths.Combine(folder), "*.yaml").Order().SelectMany(Yaml.Documents)];

    private static YamlMappingNode[] Components(string folder) => [.. Resources(folder).Where(r => r.Text("kind") == "Component")];

    private static YamlMappingNode Component(string folder, string name) =>
        Assert.Single(Components(folder), c => c.Map("metadata").Text("name") == name);

    private static string? Metadata(YamlMappingNode component, string name) =>
        ((YamlSequenceNode)component.Map("spec").Get("metadata")!).Children.Cast<YamlMappingNode>()
            .FirstOrDefault(m => m.Text("name") == name)?.Text("value");

    [Theory]
    [MemberData(nameof(Folders))]
    public void Every_resource_follows_the_Dapr_resource_schema(string folder)
    {
        YamlMappingNode[] resources = Resources(folder);

        Assert.NotEmpty(resources);
        foreach (YamlMappingNode resource in resources)
        {
            string name = resource.Map("metadata").Text("name") ?? "";
            Assert.Equal("dapr.io/v1alpha1", resource.Text("apiVersion"));
            Assert.Contains(resource.Text("kind"), (string[])["Component", "Configuration", "Resiliency"]);
            Assert.False(string.IsNullOrWhiteSpace(name), $"{folder}: a resource has no metadata.name");
            Assert.All(resource.Strings("scopes"), scope => Assert.Contains(scope, AppIds.All));
            if (resource.Text("kind") != "Component") continue;
            Assert.False(string.IsNullOrEmpty(resource.Map("spec").Text("type")), $"{name}: spec.type");
            Assert.Equal("v1", resource.Map("spec").Text("version"));
        }
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Pubsub_and_state_names_are_the_ones_the_code_uses(string folder)
    {
        YamlMappingNode actorStore = Assert.Single(Components(folder), c => Metadata(c, "actorStateStore") == "true");

        Assert.Equal(new MeshBusOptions().PubSubName, Component(folder, "pubsub").Map("metadata").Text("name"));
        Assert.Equal("state.redis", Component(folder, "statestore").Map("spec").Text("type"));
        Assert.Equal([AppIds.Scheduler], actorStore.Strings("scopes"));
        Assert.Equal([.. AppIds.All], Component(folder, "pubsub").Strings("scopes"));
    }

    [Fact]
    public void Local_runs_on_Redis_and_Azure_on_Service_Bus()
    {
        YamlMappingNode redis = Component("components/local", "pubsub");

        Assert.Equal("pubsub.redis", redis.Map("spec").Text("type"));
        Assert.Equal("pubsub.azure.servicebus.topics", Component("components/azure", "pubsub").Map("spec").Text("type"));
        Assert.True(Seconds(Metadata(redis, "processingTimeout")!) >= Seconds(InboundTimeout("components/local")),
            "Redis processingTimeout is shorter than the pub/sub inbound timeout: long handlers would be redelivered while running");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Secret_references_name_a_secret_store_in_the_same_folder(string folder)
    {
        string[] secretStores = [.. Components(folder)
            .Where(c => c.Map("spec").Text("type")!.StartsWith("secretstores.", StringComparison.Ordinal))
            .Select(c => c.Map("metadata").Text("name")!)];
        foreach (YamlMappingNode component in Components(folder))
        {
            bool usesSecrets = ((YamlSequenceNode)component.Map("spec").Get("metadata")!).Children.Cast<YamlMappingNode>()
                .Any(m => m.Get("secretKeyRef") is not null);
            if (!usesSecrets) continue;
            Assert.Contains((component.Get("auth") as YamlMappingNode)?.Text("secretStore"), secretStores);
        }
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Resiliency_targets_exist_and_match_the_bus_delivery_limit(string folder)
    {
        YamlMappingNode spec = Assert.Single(Resources(folder), r => r.Text("kind") == "Resiliency").Map("spec");
        YamlMappingNode policies = spec.Map("policies");
        YamlMappingNode targets = spec.Map("targets");
        string[] componentNames = [.. Components(folder).Select(c => c.Map("metadata").Text("name")!)];

        foreach (string target in targets.Map("components").Keys()) Assert.Contains(target, componentNames);
        foreach (string app in targets.Map("apps").Keys()) Assert.Contains(app, AppIds.All);
        string retryPolicy = targets.Map("components").Map("pubsub").Map("inbound").Text("retry")!;
        int maxRetries = int.Parse(policies.Map("retries").Map(retryPolicy).Text("maxRetries")!, CultureInfo.InvariantCulture);
        Assert.Equal(new MeshBusOptions().MaxDeliveryCount, maxRetries + 1);
    }

    private static string InboundTimeout(string folder)
    {
        YamlMappingNode spec = Assert.Single(Resources(folder), r => r.Text("kind") == "Resiliency").Map("spec");
        string policy = spec.Map("targets").Map("components").Map("pubsub").Map("inbound").Text("timeout")!;
        return spec.Map("policies").Map("timeouts").Text(policy)!;
    }

    /// <summary>Go-style durations used here: <c>300s</c>, <c>5m</c>, <c>250ms</c>.</summary>
    private static double Seconds(string duration) => duration switch
    {
        _ when duration.EndsWith("ms", StringComparison.Ordinal) => double.Parse(duration[..^2], CultureInfo.InvariantCulture) / 1000,
        _ when duration.EndsWith('s') => double.Parse(duration[..^1], CultureInfo.InvariantCulture),
        _ when duration.EndsWith('m') => double.Parse(duration[..^1], CultureInfo.InvariantCulture) * 60,
        _ => throw new FormatException($"Unrecognized duration '{duration}'"),
    };
}
