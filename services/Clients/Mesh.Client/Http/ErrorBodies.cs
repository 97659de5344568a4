using System.Net;
using System.Text.Json;

namespace Mesh.Client;

/// <summary>Reads an error answer of the gateway into a <see cref="MeshApiException"/>.</summary>
internal static class ErrorBodies
{
    /// <summary>How much of a body that is not an OpenAI error goes into the exception's message.</summary>
    private const int ExcerptLength = 300;

    /// <summary>The exception for an HTTP error response; reads its body.</summary>
    public static async Task<MeshApiException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            body = "";
        }
        return FromBody(response.StatusCode, body);
    }

    /// <summary>
    /// The exception for <paramref name="body"/>: the OpenAI error's parts when the body is one, else the status
    /// with the start of the body (a proxy's page, an empty 502).
    /// </summary>
    public static MeshApiException FromBody(HttpStatusCode? status, string body)
    {
        ErrorDetail? error = TryParse(body);
        if (error is not null)
            return new MeshApiException(status, error.Message ?? "(no message)", error.Type, error.Code, error.Param);
        string excerpt = body.Length > ExcerptLength ? body[..ExcerptLength] + "…" : body;
        string reason = status is { } s ? $"{(int)s} {s}" : "an error";
        return new MeshApiException(status, excerpt.Length == 0 ? $"{reason} with an empty body" : $"{reason}: {excerpt}", null, null, null);
    }

    /// <summary>The <c>error</c> object of an OpenAI error body, or null when <paramref name="json"/> is not one.</summary>
    public static ErrorDetail? TryParse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, MeshClientJsonContext.Default.ErrorEnvelope)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
