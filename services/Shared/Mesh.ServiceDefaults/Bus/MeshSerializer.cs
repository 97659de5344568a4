using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Mesh.Contracts;

namespace Mesh.ServiceDefaults.Bus;

/// <summary>
/// The bus's JSON: <see cref="MeshJsonContext"/> (camelCase, typed ids as strings, strict about missing
/// members) plus any resolver added with <see cref="MeshBusBuilder.AddJsonTypeInfoResolver"/>. Both buses
/// serialize through it, so a message reads the same in-process and under Dapr.
/// </summary>
public sealed class MeshSerializer
{
    /// <summary>Builds the options from Mesh's context followed by <paramref name="extra"/> resolvers.</summary>
    public MeshSerializer(IEnumerable<JsonResolverRegistration> extra)
    {
        IJsonTypeInfoResolver[] resolvers = [MeshJsonContext.Default, .. extra.Select(r => r.Resolver)];
        var options = new JsonSerializerOptions(MeshJsonContext.Default.Options)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(resolvers),
        };
        options.MakeReadOnly();
        Options = options;
    }

    /// <summary>Read-only options; also given to <c>DaprClient</c> so state values serialize the same way.</summary>
    public JsonSerializerOptions Options { get; }

    /// <summary>Metadata for <paramref name="type"/>.</summary>
    /// <exception cref="MeshBusException">No registered resolver knows the type.</exception>
    public JsonTypeInfo TypeInfo(Type type) =>
        Options.TryGetTypeInfo(type, out JsonTypeInfo? info)
            ? info
            : throw new MeshBusException(
                $"No JSON metadata for {type.FullName}: add it to MeshJsonContext or register a JsonSerializerContext with AddMeshBus().AddJsonTypeInfoResolver(...).");

    /// <summary>Typed metadata for <typeparamref name="T"/>.</summary>
    public JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)TypeInfo(typeof(T));
}

/// <summary>A JSON resolver registered for bus messages beyond <see cref="MeshJsonContext"/>.</summary>
public sealed record JsonResolverRegistration(IJsonTypeInfoResolver Resolver);
