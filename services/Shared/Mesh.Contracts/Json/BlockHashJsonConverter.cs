using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Contracts;

/// <summary>Writes a <see cref="BlockHash"/> as 16 lowercase hex digits and reads 1 to 16 hex digits.</summary>
public sealed class BlockHashJsonConverter : JsonConverter<BlockHash>
{
    /// <inheritdoc />
    public override BlockHash Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"BlockHash must be a hex JSON string, found {reader.TokenType}.");
        string text = reader.GetString()!;
        return text.Length is > 0 and <= 16
               && ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value)
            ? new BlockHash(value)
            : throw new JsonException($"BlockHash must be 1 to 16 hex digits, found \"{text}\".");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, BlockHash value, JsonSerializerOptions options)
    {
        Span<char> digits = stackalloc char[16];
        value.Value.TryFormat(digits, out _, "x16", CultureInfo.InvariantCulture);
        writer.WriteStringValue(digits);
    }
}
