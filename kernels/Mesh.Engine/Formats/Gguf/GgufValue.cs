namespace Mesh.Engine.Formats.Gguf;

/// <summary>GGUF metadata value types, numbered as the file stores them.</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>A GGUF array: the element type and a typed CLR array holding the items
/// (<c>byte[]</c>, <c>int[]</c>, <c>float[]</c>, <c>string[]</c>, <c>GgufArray[]</c> for nested arrays, ...).</summary>
public sealed record GgufArray(GgufValueType ElementType, Array Items)
{
    public int Count => Items.Length;
}

/// <summary>One metadata value: its GGUF type and the boxed CLR value (a <see cref="GgufArray"/>
/// for arrays).</summary>
public sealed record GgufValue(GgufValueType Type, object Value)
{
    /// <summary>Wraps a CLR value, choosing the GGUF type from its CLR type: byte → uint8,
    /// int → int32, float → float32, string → string, T[] → array of T, and so on.</summary>
    public static GgufValue From(object value) => value switch
    {
        GgufValue v => v,
        GgufArray a => new GgufValue(GgufValueType.Array, a),
        Array a => new GgufValue(GgufValueType.Array, new GgufArray(ElementTypeOf(a), a)),
        _ => new GgufValue(ScalarTypeOf(value.GetType()), value),
    };

    private static GgufValueType ElementTypeOf(Array a) => a.GetType().GetElementType() switch
    {
        Type t when t == typeof(GgufArray) => GgufValueType.Array,
        Type t => ScalarTypeOf(t),
        null => throw new ArgumentException("array without element type"),
    };

    internal static GgufValueType ScalarTypeOf(Type t)
    {
        if (t == typeof(byte)) return GgufValueType.UInt8;
        if (t == typeof(sbyte)) return GgufValueType.Int8;
        if (t == typeof(ushort)) return GgufValueType.UInt16;
        if (t == typeof(short)) return GgufValueType.Int16;
        if (t == typeof(uint)) return GgufValueType.UInt32;
        if (t == typeof(int)) return GgufValueType.Int32;
        if (t == typeof(float)) return GgufValueType.Float32;
        if (t == typeof(bool)) return GgufValueType.Bool;
        if (t == typeof(string)) return GgufValueType.String;
        if (t == typeof(ulong)) return GgufValueType.UInt64;
        if (t == typeof(long)) return GgufValueType.Int64;
        if (t == typeof(double)) return GgufValueType.Float64;
        throw new ArgumentException($"{t.Name} has no GGUF value type");
    }

    /// <summary>Any integer type as a long; null for other types (uint64 above long.MaxValue throws).</summary>
    public long? AsInteger() => Value switch
    {
        byte v => v,
        sbyte v => v,
        ushort v => v,
        short v => v,
        uint v => v,
        int v => v,
        ulong v => checked((long)v),
        long v => v,
        _ => null,
    };

    /// <summary>Any float or integer type as a double; null for strings, bools and arrays.</summary>
    public double? AsReal() => Value switch
    {
        float v => v,
        double v => v,
        _ => AsInteger(),
    };
}
