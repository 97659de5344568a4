using System.Text.Json;

namespace Mesh.Cli.Tests;

/// <summary>
/// The serving and benchmark programs compile Mesh's methods optimized on their first call (Directory.Build.targets;
/// docs/performance.md, "JIT"): their runtimeconfig, copied beside this assembly with the programs it references,
/// turns the quick JIT tier off; test projects keep the runtime's default.
/// </summary>
public sealed class RuntimeConfigTests
{
    [Theory]
    [InlineData("mesh")]
    [InlineData("Mesh.Host")]
    [InlineData("Mesh.Gateway")]
    [InlineData("Mesh.Scheduler")]
    [InlineData("Mesh.KvCache")]
    public void A_program_starts_without_the_quick_jit_tier(string program) =>
        Assert.False(QuickJit(program) ?? true, $"{program}.runtimeconfig.json does not turn System.Runtime.TieredCompilation.QuickJit off");

    [Fact]
    public void A_test_project_keeps_the_runtime_default() => Assert.Null(QuickJit("Mesh.Cli.Tests"));

    private static bool? QuickJit(string program)
    {
        string path = Path.Combine(AppContext.BaseDirectory, $"{program}.runtimeconfig.json");
        Assert.True(File.Exists(path), $"no {path}");
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(path));
        return config.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out JsonElement properties)
            && properties.TryGetProperty("System.Runtime.TieredCompilation.QuickJit", out JsonElement quick)
            ? quick.GetBoolean()
            : null;
    }
}
