using Mesh.Contracts;
using YamlDotNet.RepresentationModel;

namespace Mesh.Bus.Tests;

/// <summary>dapr.yaml against the Dapr CLI's run-file schema and against the repository.</summary>
public sealed class DaprRunFileTests
{
    /// <summary>Keys the Dapr CLI's run-file parser knows for an app (dapr/cli pkg/runfileconfig, pkg/standalone).</summary>
    private static readonly HashSet<string> AppKeys =
    [
        "appDirPath", "appID", "command", "appPort", "appChannelAddress", "daprHTTPPort", "daprGRPCPort",
        "daprInternalGRPCPort", "metricsPort", "profilePort", "unixDomainSocket", "resourcesPaths", "resourcesPath",
        "configFilePath", "appProtocol", "env", "appMaxConcurrency", "logLevel", "enableApiLogging", "enableProfiling",
        "apiListenAddresses", "appSSL", "maxBodySize", "readBufferSize", "enableAppHealthCheck", "appHealthCheckPath",
        "appHealthProbeInterval", "appHealthProbeTimeout", "appHealthThreshold", "placementHostAddress",
        "schedulerHostAddress", "runtimePath", "appLogDestination", "daprdLogDestination", "containerImage",
        "containerImagePullPolicy", "createService",
    ];

    /// <summary>Per-app-only keys, not allowed under <c>common</c>.</summary>
    private static readonly HashSet<string> AppOnlyKeys =
    [
        "appDirPath", "appID", "command", "appPort", "appChannelAddress", "daprHTTPPort", "daprGRPCPort",
        "daprInternalGRPCPort", "metricsPort", "profilePort", "unixDomainSocket", "containerImage",
        "containerImagePullPolicy", "createService",
    ];

    private static readonly YamlMappingNode Root = Yaml.Documents(RepositoryPaths.Combine("dapr.yaml")).Single();

    private static YamlMappingNode Common => Root.Map("common");

    private static YamlMappingNode[] Apps => [.. ((YamlSequenceNode)Root.Get("apps")!).Children.Cast<YamlMappingNode>()];

    [Fact]
    public void Declares_exactly_the_seven_Mesh_apps()
    {
        Assert.Equal("1", Root.Text("version"));
        Assert.Equal(AppIds.All.Order(), Apps.Select(a => a.Text("appID")!).Order());
    }

    [Fact]
    public void Uses_only_keys_the_Dapr_CLI_knows()
    {
        string[] unknown = [.. Apps.SelectMany(a => a.Keys().Where(k => !AppKeys.Contains(k)).Select(k => $"{a.Text("appID")}.{k}"))];
        string[] misplaced = [.. Common.Keys().Where(k => !AppKeys.Contains(k) || AppOnlyKeys.Contains(k))];

        Assert.Empty(unknown);
        Assert.Empty(misplaced);
    }

    [Fact]
    public void Common_resources_and_configuration_exist()
    {
        Assert.IsType<YamlSequenceNode>(Common.Get("resourcesPaths")); // a scalar would not unmarshal into []string
        foreach (string path in Common.Strings("resourcesPaths"))
            Assert.True(Directory.Exists(RepositoryPaths.Combine(path)), $"resourcesPaths entry {path} does not exist");
        string config = RepositoryPaths.Combine(Common.Text("configFilePath")!);
        Assert.True(File.Exists(config), $"configFilePath {config} does not exist");
        Assert.Equal("Configuration", Yaml.Documents(config).Single().Text("kind"));
    }

    [Fact]
    public void Sidecars_run_the_bus_in_Dapr_mode_against_the_pubsub_component()
    {
        YamlMappingNode env = Common.Map("env");
        string pubsub = env.Text("Mesh__Bus__PubSubName")!;
        string[] componentNames = [.. Common.Strings("resourcesPaths")
            .SelectMany(dir => Directory.GetFiles(RepositoryPaths.Combine(dir), "*.yaml"))
            .SelectMany(Yaml.Documents)
            .Where(d => d.Text("kind") == "Component")
            .Select(d => d.Map("metadata").Text("name")!)];

        Assert.Equal("Dapr", env.Text("Mesh__Bus__Mode"));
        Assert.Contains(pubsub, componentNames);
        Assert.Equal("/health", Common.Text("appHealthCheckPath"));
    }

    [Fact]
    public void Every_app_runs_its_prebuilt_project_on_its_own_ports()
    {
        foreach (YamlMappingNode app in Apps)
        {
            string id = app.Text("appID")!;
            string[] command = app.Strings("command");
            int urls = Array.IndexOf(command, "--urls");
            Assert.True(command is ["dotnet", "run", ..] && command.Contains("--no-build") && command.Contains("--no-launch-profile"),
                $"{id}: command must be dotnet run --no-build --no-launch-profile");
            Assert.True(urls >= 0 && command[urls + 1] == $"http://127.0.0.1:{app.Text("appPort")}", $"{id}: --urls must match appPort");
        }
        foreach (string port in new[] { "appPort", "daprHTTPPort", "daprGRPCPort" })
        {
            string?[] ports = [.. Apps.Select(a => a.Text(port))];
            Assert.True(ports.All(p => p is not null) && ports.Distinct().Count() == ports.Length, $"{port} must be set and distinct per app");
        }
    }

    [SkippableFact]
    public void App_directories_present_hold_their_project()
    {
        List<string> missing = [];
        foreach (YamlMappingNode app in Apps)
        {
            string dir = RepositoryPaths.Combine(app.Text("appDirPath")!);
            if (!Directory.Exists(dir))
            {
                missing.Add(app.Text("appDirPath")!);
                continue;
            }
            string project = Path.Combine(dir, Path.GetFileName(dir.TrimEnd('/', '\\')) + ".csproj");
            Assert.True(File.Exists(project), $"{app.Text("appID")}: {project} does not exist");
        }
        Skip.If(missing.Count > 0, "Service folders not in the repository yet: " + string.Join(", ", missing));
    }

    [Fact]
    public void Tye_file_mirrors_the_run_file()
    {
        YamlMappingNode tye = Yaml.Documents(RepositoryPaths.Combine("tye.yaml")).Single();
        Dictionary<string, string> projects = ((YamlSequenceNode)tye.Get("services")!).Children.Cast<YamlMappingNode>()
            .Where(s => s.Text("project") is not null)
            .ToDictionary(s => s.Text("name")!, s => s.Text("project")!);

        foreach (YamlMappingNode app in Apps)
        {
            string id = app.Text("appID")!;
            Assert.True(projects.TryGetValue(id, out string? project), $"tye.yaml has no service {id}");
            Assert.Equal(
                RepositoryPaths.Combine(app.Text("appDirPath")!).TrimEnd('/'),
                Path.GetDirectoryName(RepositoryPaths.Combine(project)));
        }
        Assert.Equal(
            Common.Strings("resourcesPaths").Select(p => RepositoryPaths.Combine(p).TrimEnd('/')),
            [RepositoryPaths.Combine(((YamlMappingNode)((YamlSequenceNode)tye.Get("extensions")!).Children[0]).Text("components-path")!).TrimEnd('/')]);
    }
}
