using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Mesh.Gateway.OpenAi;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Mesh.Gateway.Streaming;

/// <summary>
/// Writes OpenAI's server-sent events straight into the response pipe: <c>data: {json}\n\n</c> per event,
/// flushed at once, and <c>data: [DONE]\n\n</c> at the end. One JSON writer is reused for every event.
/// </summary>
internal sealed class SseWriter : IDisposable
{
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;
    private static ReadOnlySpan<byte> Done => "data: [DONE]\n\n"u8;

    /// <summary>The response body.</summary>
    private readonly PipeWriter _pipe;

    /// <summary>Writes each event's JSON into <see cref="_pipe"/>; reset per event.</summary>
    private readonly Utf8JsonWriter _json;

    private SseWriter(PipeWriter pipe)
    {
        _pipe = pipe;
        _json = new Utf8JsonWriter(pipe, OpenAiJson.WriterOptions);
    }

    /// <summary>Sets the event-stream headers (no caching, no proxy buffering) and returns the writer; nothing is sent yet.</summary>
    public static SseWriter Start(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers[HeaderNames.CacheControl] = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return new SseWriter(response.BodyWriter);
    }

    /// <summary>Writes one event and flushes it to the client.</summary>
    public async ValueTask WriteAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        _pipe.Write(DataPrefix);
        _json.Reset(_pipe);
        JsonSerializer.Serialize(_json, value, typeInfo);
        _json.Flush();
        _pipe.Write(EventEnd);
        await _pipe.FlushAsync(cancellationToken);
    }

    /// <summary>An error event (OpenAI's error body), as sent when a request fails after the stream started.</summary>
    public ValueTask WriteErrorAsync(OpenAiException error, CancellationToken cancellationToken) =>
        WriteAsync(error.ToBody(), OpenAiJson.Context.ErrorResponse, cancellationToken);

    /// <summary>The terminating <c>data: [DONE]</c>.</summary>
    public async ValueTask WriteDoneAsync(CancellationToken cancellationToken)
    {
        _pipe.Write(Done);
        await _pipe.FlushAsync(cancellationToken);
    }

    public void Dispose() => _json.Dispose();
}
