using System.Runtime.InteropServices;
using System.Text.Json;
using Mesh.Contracts;
using Mesh.Gateway.OpenAi;
using Mesh.Gateway.Requests;
using Microsoft.Extensions.Options;
using static Mesh.Gateway.RequestErrors;

namespace Mesh.Gateway.Batches;

/// <summary>A line's envelope as read: its custom id when it has one, and either its body or why it cannot run.</summary>
/// <param name="Body">The request body's JSON, when the envelope is valid.</param>
internal sealed record LineEnvelope(string? CustomId, byte[]? Body, OpenAiException? Error);

/// <summary>
/// Turns one input line into the request the HTTP endpoint would have built from the same body: the envelope
/// (<c>custom_id</c>, <c>method</c> POST, <c>url</c> = the batch's endpoint, <c>body</c>) is checked here, and the body
/// goes through the endpoint's own <see cref="RequestBodyReader"/> (size limit, JSON errors) and
/// <see cref="InferenceRequestMapper"/> (validation, mapping), so a bad body gets the very error body a client
/// would. The request then becomes offline work with the batch's deadline.
/// </summary>
internal sealed class BatchLineParser(RequestBodyReader bodies, InferenceRequestMapper mapper, IOptions<GatewayOptions> options)
{
    /// <summary>What a line may hold beyond its body (<c>custom_id</c>, <c>method</c>, <c>url</c>).</summary>
    public const int EnvelopeAllowance = 64 << 10;

    public const string ChatEndpoint = "/v1/chat/completions";
    public const string CompletionsEndpoint = "/v1/completions";

    /// <summary>Longest line read; longer lines are reported as 413 without being parsed.</summary>
    public int MaxLineBytes { get; } = (int)Math.Min(int.MaxValue, options.Value.MaxRequestBytes + EnvelopeAllowance);

    /// <summary>Whether <paramref name="endpoint"/> is a batch endpoint.</summary>
    public static bool IsEndpoint(string? endpoint) => endpoint is ChatEndpoint or CompletionsEndpoint;

    /// <summary>The 413 a line longer than <see cref="MaxLineBytes"/> gets.</summary>
    public OpenAiException LineTooLarge(int line) =>
        new(StatusCodes.Status413PayloadTooLarge, OpenAiException.InvalidRequestType,
            $"Line {line} is longer than {MaxLineBytes} bytes (the request body limit plus {EnvelopeAllowance} for the envelope).",
            null, "request_too_large");

    /// <summary>Reads and checks the envelope of <paramref name="line"/>.</summary>
    public static LineEnvelope ReadEnvelope(JsonlLine line, string endpoint)
    {
        BatchInputLine? input;
        try
        {
            input = JsonSerializer.Deserialize(line.Bytes.Span, BatchJsonContext.Default.BatchInputLine);
        }
        catch (JsonException ex)
        {
            string? param = ex.InnerException is JsonException || ex.Path is null or "$" ? null : ex.Path.TrimStart('$', '.');
            return new LineEnvelope(null, null, param is null
                ? OpenAiException.InvalidRequest($"Line {line.Number} is not valid JSON: {ex.Message}", null, "invalid_json")
                : OpenAiException.InvalidRequest($"Invalid type for '{param}' on line {line.Number}: {ex.Message}", param, "invalid_type"));
        }
        if (input is null)
            return new LineEnvelope(null, null, OpenAiException.InvalidRequest($"Line {line.Number} must be a JSON object.", null, "invalid_json"));
        if (string.IsNullOrEmpty(input.CustomId)) return new LineEnvelope(null, null, MissingError("custom_id"));

        OpenAiException? error = null;
        if (input.Method is null) error = MissingError("method");
        else if (input.Method != "POST") error = InvalidError("method", $"Invalid 'method' '{input.Method}': batch requests are 'POST'.");
        else if (input.Url is null) error = MissingError("url");
        else if (input.Url != endpoint)
            error = InvalidError("url", $"Invalid 'url' '{input.Url}': every line of this batch must use its endpoint, '{endpoint}'.");
        else if (input.Body is not { ValueKind: not JsonValueKind.Null } body) error = MissingError("body");
        else if (body.ValueKind != JsonValueKind.Object)
            error = OpenAiException.InvalidRequest("'body' must be a JSON object: the request to send.", "body", "invalid_type");
        else return new LineEnvelope(input.CustomId, JsonMarshal.GetRawUtf8Value(body).ToArray(), null);
        return new LineEnvelope(input.CustomId, null, error);
    }

    /// <summary>
    /// The request for <paramref name="body"/> on <paramref name="endpoint"/>, as <paramref name="tenant"/>, offline,
    /// with <paramref name="deadline"/>.
    /// </summary>
    /// <exception cref="OpenAiException">The body is invalid, exactly as the HTTP endpoint would answer it.</exception>
    public async Task<GatewayRequest> MapAsync(byte[] body, string endpoint, TenantId tenant, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var http = new DefaultHttpContext();
        http.Request.Body = new MemoryStream(body, writable: false);
        http.Request.ContentLength = body.Length;
        GatewayRequest request = endpoint == ChatEndpoint
            ? mapper.MapChat(await bodies.ReadAsync(http.Request, OpenAiJsonContext.Default.ChatCompletionRequest, cancellationToken), tenant)
            : mapper.MapCompletion(await bodies.ReadAsync(http.Request, OpenAiJsonContext.Default.CompletionRequest, cancellationToken), tenant);
        if (request.Message.Stream) Unsupported("stream", "Batch requests cannot stream: leave 'stream' out or set it to false.");
        MessageEnvelope envelope = request.Message.Envelope with { Priority = Priority.Offline, Deadline = deadline };
        return request with { Message = request.Message with { Envelope = envelope } };
    }
}
