using System.Text;

namespace Mesh.Client;

/// <summary>
/// Reads the <c>data</c> of server-sent events from a response body: lines <c>data: …</c> up to a blank line make
/// one event (several data lines are joined with <c>\n</c>, per the SSE format); comments (<c>:</c>) and other
/// fields are skipped. The stream ends at <c>data: [DONE]</c>; a body that ends before it is a protocol error,
/// since the gateway always closes a stream with it.
/// </summary>
internal sealed class ServerSentEvents(Stream body, Uri source) : IDisposable
{
    /// <summary>The sentinel that ends an OpenAI stream.</summary>
    private const string Done = "[DONE]";

    private readonly StreamReader _reader = new(body, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);

    /// <summary>Data lines of the event being read.</summary>
    private readonly StringBuilder _data = new();

    /// <summary>The next event's data, or null once <c>[DONE]</c> was read.</summary>
    /// <exception cref="MeshProtocolException">The body ended before <c>[DONE]</c>.</exception>
    /// <exception cref="MeshConnectionException">The connection broke while reading.</exception>
    public async ValueTask<string?> NextAsync(CancellationToken cancellationToken)
    {
        _data.Clear();
        bool hasData = false;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new MeshConnectionException($"The connection to {source} broke while the answer was streaming: {ex.Message}", ex);
            }
            if (line is null)
                throw new MeshProtocolException($"The event stream from {source} ended without 'data: [DONE]'.");
            if (line.Length == 0)
            {
                if (!hasData) continue;
                string data = _data.ToString();
                return data == Done ? null : data;
            }
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                ReadOnlySpan<char> value = line.AsSpan(5);
                if (value.Length > 0 && value[0] == ' ') value = value[1..];
                if (hasData) _data.Append('\n');
                _data.Append(value);
                hasData = true;
            }
        }
    }

    public void Dispose() => _reader.Dispose();
}
