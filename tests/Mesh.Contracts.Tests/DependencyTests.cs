using Mesh.Contracts;

namespace Mesh.Contracts.Tests;

public sealed class DependencyTests
{
    [Fact]
    public void Contracts_reference_nothing_else_in_Mesh()
    {
        string[] meshReferences = [.. typeof(MessageEnvelope).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Mesh.", StringComparison.Ordinal))];

        Assert.Empty(meshReferences);
    }
}
