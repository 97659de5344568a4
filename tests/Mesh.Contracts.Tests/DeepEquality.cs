using System.Collections;
using System.Reflection;

namespace Mesh.Contracts.Tests;

/// <summary>
/// Structural comparison for records whose members include arrays (records compare arrays by reference):
/// same runtime types, value types and strings by Equals, sequences element by element, other objects
/// member by member. Fails with the path of the first difference.
/// </summary>
internal static class DeepEquality
{
    public static void AssertEqual(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }
        Type type = expected.GetType();
        Assert.True(type == actual.GetType(), $"{path}: expected a {type.Name}, got a {actual.GetType().Name}");
        if (type.IsValueType || expected is string)
        {
            Assert.True(expected.Equals(actual), $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }
        if (expected is IEnumerable expectedItems)
        {
            object?[] e = [.. expectedItems.Cast<object?>()];
            object?[] a = [.. ((IEnumerable)actual).Cast<object?>()];
            Assert.True(e.Length == a.Length, $"{path}: expected {e.Length} items, got {a.Length}");
            for (int i = 0; i < e.Length; i++) AssertEqual(e[i], a[i], $"{path}[{i}]");
            return;
        }
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            AssertEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? value.GetType().Name,
    };
}
