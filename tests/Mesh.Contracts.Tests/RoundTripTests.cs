using System.Reflection;
using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Contracts.Tests;

public sealed class RoundTripTests
{
    public static TheoryData<string, Type, object> Samples()
    {
        var data = new TheoryData<string, Type, object>();
        int i = 0;
        foreach ((Type declared, object value) in WireSamples.All())
            data.Add($"{i++}:{declared.Name}<-{value.GetType().Name}", declared, value);
        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Record_survives_serialize_then_deserialize(string name, Type declared, object sample)
    {
        string json = JsonSerializer.Serialize(sample, MeshJsonContext.Default.GetTypeInfo(declared)!);
        object? back = JsonSerializer.Deserialize(json, MeshJsonContext.Default.GetTypeInfo(declared)!);

        DeepEquality.AssertEqual(sample, back, name);
        Assert.Equal(json, JsonSerializer.Serialize(back, MeshJsonContext.Default.GetTypeInfo(declared)!));
    }

    [Fact]
    public void Every_record_in_the_contracts_assembly_has_a_round_trip_sample()
    {
        HashSet<Type> sampled = [.. WireSamples.All().Select(s => s.Value.GetType())];
        Type[] records = [.. typeof(MessageEnvelope).Assembly.GetExportedTypes()
            .Where(t => !t.IsAbstract && t.GetMethod("<Clone>$") is not null || t.IsValueType && IsRecordStruct(t))
            .Where(t => !t.IsGenericTypeDefinition)];

        string[] missing = [.. records.Where(r => !sampled.Contains(r) && !IsTypedId(r)).Select(r => r.Name).Order()];
        Assert.True(missing.Length == 0, "Records without a sample in WireSamples: " + string.Join(", ", missing));
    }

    [Fact]
    public void Deep_equality_sees_a_changed_array_element()
    {
        var a = new TokenPrompt([1, 2, 3]);
        var b = new TokenPrompt([1, 2, 4]);
        Assert.ThrowsAny<Exception>(() => DeepEquality.AssertEqual(a, b));
    }

    private static bool IsRecordStruct(Type t) =>
        t.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null;

    /// <summary>Typed ids are covered inside every record that carries them and by <see cref="WireShapeTests"/>.</summary>
    private static bool IsTypedId(Type t) =>
        t == typeof(BlockHash) || t == typeof(MessagePart) || t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IStringId<>));
}
