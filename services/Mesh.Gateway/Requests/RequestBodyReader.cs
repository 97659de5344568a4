using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway.Requests;

/// <summary>
/// Reads a JSON request body of at most <see cref="GatewayOptions.MaxRequestBytes"/> (413 beyond) and parses it
/// straight from the request's buffers. A syntax error is a 400 without a param; a member of the wrong type is
/// a 400 naming that member (<c>messages[0].role</c>).
/// </summary>
internal sealed class RequestBodyReader(IOptions<GatewayOptions> options)
{
    public async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken) where T : class
    {
        long limit = options.Value.MaxRequestBytes;
        if (request.ContentLength > limit) throw OpenAiException.TooLarge(limit);

        PipeReader reader = request.BodyReader;
        ReadResult result;
        while (true)
        {
            result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length > limit)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw OpenAiException.TooLarge(limit);
            }
            if (result.IsCompleted) break;
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
        try
        {
            return Parse(result.Buffer, typeInfo);
        }
        finally
        {
            reader.AdvanceTo(result.Buffer.End);
        }
    }

    private static T Parse<T>(ReadOnlySequence<byte> body, JsonTypeInfo<T> typeInfo) where T : class
    {
        var json = new Utf8JsonReader(body);
        try
        {
            return JsonSerializer.Deserialize(ref json, typeInfo)
                ?? throw OpenAiException.InvalidRequest("The request body must be a JSON object.", null, "invalid_json");
        }
        catch (JsonException ex)
        {
            // Syntax errors come from the reader (wrapped as the inner exception); conversion errors do not.
            string? param = ex.InnerException is JsonException ? null : ParamOf(ex.Path);
            throw param is null
                ? OpenAiException.InvalidRequest("We could not parse the JSON body of your request: " + ex.Message, null, "invalid_json")
                : OpenAiException.InvalidRequest($"Invalid type for '{param}': " + ex.Message, param, "invalid_type");
        }
    }

    /// <summary><c>$.messages[0].role</c> → <c>messages[0].role</c>; the root → null.</summary>
    private static string? ParamOf(string? path) =>
        path is null || path.Length <= 2 || !path.StartsWith("$.", StringComparison.Ordinal) ? null : path[2..];
}
