using Mesh.Contracts;
using Mesh.Gateway.OpenAi;

namespace Mesh.Gateway;

/// <summary>
/// A request ends in an OpenAI error: the HTTP status plus the body's <c>type</c>, <c>param</c> and <c>code</c>.
/// Thrown by validation, authentication and the reply stream; turned into the response (or, once an SSE
/// stream has started, into an error event) at the endpoint.
/// </summary>
internal sealed class OpenAiException(int statusCode, string type, string message, string? param = null, string? code = null, double? retryAfterSeconds = null)
    : Exception(message)
{
    public const string InvalidRequestType = "invalid_request_error";
    public const string ServerErrorType = "server_error";

    /// <summary>HTTP status of the answer.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary><c>error.type</c>.</summary>
    public string Type { get; } = type;

    /// <summary><c>error.param</c>: the offending request field, when one is.</summary>
    public string? Param { get; } = param;

    /// <summary><c>error.code</c>.</summary>
    public string? Code { get; } = code;

    /// <summary>Seconds after which retrying is likely to succeed (the <c>Retry-After</c> header of a 429).</summary>
    public double? RetryAfterSeconds { get; } = retryAfterSeconds;

    /// <summary>The JSON body.</summary>
    public ErrorResponse ToBody() => new(new ErrorBody(Message, Type, Param, Code));

    /// <summary>400: the request cannot be served as sent.</summary>
    public static OpenAiException InvalidRequest(string message, string? param, string? code = null) =>
        new(StatusCodes.Status400BadRequest, InvalidRequestType, message, param, code);

    /// <summary>404 for a model this gateway does not serve.</summary>
    public static OpenAiException ModelNotFound(string model) =>
        new(StatusCodes.Status404NotFound, InvalidRequestType, $"The model `{model}` does not exist.", "model", "model_not_found");

    /// <summary>401.</summary>
    public static OpenAiException Unauthorized(string message) =>
        new(StatusCodes.Status401Unauthorized, InvalidRequestType, message, null, "invalid_api_key");

    /// <summary>413 for a body over <see cref="GatewayOptions.MaxRequestBytes"/>.</summary>
    public static OpenAiException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, InvalidRequestType, $"The request body is larger than {limit} bytes.", null, "request_too_large");

    /// <summary>504: no final reply before the request's deadline.</summary>
    public static OpenAiException Timeout(RequestId id, DateTimeOffset deadline) =>
        new(StatusCodes.Status504GatewayTimeout, ServerErrorType, $"Request {id} did not finish by its deadline, {deadline:O}.", null, "timeout");

    /// <summary>503: the bus did not take the request.</summary>
    public static OpenAiException Unavailable(string message) =>
        new(StatusCodes.Status503ServiceUnavailable, ServerErrorType, message, null, "unavailable");

    /// <summary>
    /// A <see cref="Failed"/> reply, with its code and message; the status follows the code. An overload the scheduler
    /// gave a retry time (admission predicted the first token past its target) is a 429 with <c>Retry-After</c>.
    /// </summary>
    public static OpenAiException FromFailure(Failed failed) => failed.Code switch
    {
        FailureCodes.InvalidRequest => new(StatusCodes.Status400BadRequest, InvalidRequestType, failed.Message, null, failed.Code),
        FailureCodes.DeadlineExceeded => new(StatusCodes.Status504GatewayTimeout, ServerErrorType, failed.Message, null, failed.Code),
        FailureCodes.Overloaded when failed.RetryAfterSeconds is { } after =>
            new(StatusCodes.Status429TooManyRequests, ServerErrorType, failed.Message, null, failed.Code, after),
        FailureCodes.Overloaded => new(StatusCodes.Status503ServiceUnavailable, ServerErrorType, failed.Message, null, failed.Code),
        _ => new(StatusCodes.Status500InternalServerError, ServerErrorType, failed.Message, null, failed.Code),
    };
}
