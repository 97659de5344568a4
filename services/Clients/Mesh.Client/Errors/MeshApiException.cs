using System.Net;

namespace Mesh.Client;

/// <summary>
/// The gateway answered with an error: an HTTP error status with OpenAI's body
/// <c>{"error":{"message","type","param","code"}}</c>, or (streaming) an error event after the stream began.
/// </summary>
public sealed class MeshApiException : MeshClientException
{
    /// <summary>Creates the exception from the parts of an OpenAI error.</summary>
    /// <param name="statusCode">HTTP status; null when the error arrived as an event inside a stream that had begun with 200.</param>
    /// <param name="errorMessage">The error's <c>message</c>, or a description of a body that was not an OpenAI error.</param>
    /// <param name="errorType">The error's <c>type</c> (<c>invalid_request_error</c>, <c>server_error</c>); null when the body was not an OpenAI error.</param>
    /// <param name="code">The error's <c>code</c> (<c>model_not_found</c>, <c>invalid_value</c>, <c>timeout</c>…).</param>
    /// <param name="param">The request field at fault, e.g. <c>temperature</c> or <c>messages[0].role</c>.</param>
    public MeshApiException(HttpStatusCode? statusCode, string errorMessage, string? errorType, string? code, string? param)
        : base(Describe(statusCode, errorMessage, errorType, code, param))
    {
        StatusCode = statusCode;
        ErrorMessage = errorMessage;
        ErrorType = errorType;
        Code = code;
        Param = param;
    }

    /// <summary>HTTP status; null when the error came inside an event stream that had already begun with 200.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The gateway's own message, without the status and code that <see cref="Exception.Message"/> adds.</summary>
    public string ErrorMessage { get; }

    /// <summary>OpenAI error type; null when the body was not an OpenAI error (a proxy's page, for instance).</summary>
    public string? ErrorType { get; }

    /// <summary>OpenAI error code, e.g. <c>invalid_api_key</c>, <c>model_not_found</c>, <c>invalid_value</c>.</summary>
    public string? Code { get; }

    /// <summary>The request field the error is about, when there is one.</summary>
    public string? Param { get; }

    private static string Describe(HttpStatusCode? status, string message, string? type, string? code, string? param)
    {
        string where = status is { } s ? $"HTTP {(int)s}" : "an error event in the stream";
        string what = (type, code) switch
        {
            (null, null) => "",
            (_, null) => $" {type}",
            (null, _) => $" {code}",
            _ => $" {type}/{code}",
        };
        string field = param is null ? "" : $", param '{param}'";
        return $"The Mesh gateway answered {where}{what}{field}: {message}";
    }
}
