using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Mesh.Bench.Trace;

/// <summary>
/// Sends one replayed request to an OpenAI-compatible <c>/v1/completions</c> and times its SSE stream. The request is a
/// token-id prompt with <c>max_tokens</c>, Mesh's <c>ignore_eos</c> (so exactly that many tokens come back),
/// greedy sampling, <c>stream_options.include_usage</c>, and <c>logprobs: 0</c>: with logprobs every token chunk is
/// sent even when its text is empty (a partial UTF-8 character), and its <c>logprobs.tokens</c> count the tokens.
/// With <paramref name="targets"/>, Mesh's <c>ttft_target_ms</c>/<c>tpot_target_ms</c> carry them, so the scheduler's
/// admission and goodput use the same targets as the report.
/// </summary>
public sealed class CompletionStreamClient(HttpClient http, string model, SloTargets? targets = null)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>The request body of <paramref name="request"/> with <paramref name="prompt"/>; built before the replay clock starts.</summary>
    public byte[] Body(ShapedRequest request, int[] prompt)
    {
        return Write(prompt, request.MaxTokens, json =>
        {
            if (targets is { } t)
            {
                json.WriteNumber("ttft_target_ms", t.TtftMs);
                json.WriteNumber("tpot_target_ms", t.TpotMs);
            }
            json.WriteNumber("temperature", 0);
            json.WriteNumber("logprobs", 0);
            json.WriteBoolean("stream", true);
            json.WriteStartObject("stream_options");
            json.WriteBoolean("include_usage", true);
            json.WriteEndObject();
        });
    }

    /// <summary>The body of an offline (batch) request: <paramref name="prompt"/>, <paramref name="maxTokens"/> with ignore_eos, not streamed.</summary>
    public byte[] OfflineBody(int[] prompt, int maxTokens) => Write(prompt, maxTokens, json => json.WriteString("priority", "offline"));

    /// <summary>A completions body: model, token-id prompt, max_tokens with ignore_eos, then what <paramref name="rest"/> writes.</summary>
    private byte[] Write(int[] prompt, int maxTokens, Action<Utf8JsonWriter> rest)
    {
        var buffer = new ArrayBufferWriter<byte>(prompt.Length * 6 + 256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("prompt");
            foreach (int id in prompt) json.WriteNumberValue(id);
            json.WriteEndArray();
            json.WriteNumber("max_tokens", maxTokens);
            json.WriteBoolean("ignore_eos", true);
            rest(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Posts an offline body and reports whether it completed (200).</summary>
    public async Task<bool> SendOfflineAsync(byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = Json;
            using HttpResponseMessage response = await http.PostAsync("/v1/completions", content, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Posts <paramref name="body"/> now and reads the stream to its end. Every failure (HTTP status, error event, a
    /// stream that ends without a finish reason or <c>[DONE]</c>, a transport error, <paramref name="cancellationToken"/>)
    /// becomes an outcome with <see cref="RequestOutcome.Error"/>; this never throws.
    /// </summary>
    /// <param name="replayStart">The replay clock's start (<see cref="Stopwatch.GetTimestamp"/>).</param>
    public async Task<RequestOutcome> SendAsync(int index, byte[] body, long replayStart, CancellationToken cancellationToken)
    {
        long sent = Stopwatch.GetTimestamp();
        var read = new StreamRead();
        string? error;
        bool rejected = false;
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = new ByteArrayContent(body) };
            message.Content.Headers.ContentType = Json;
            using HttpResponseMessage response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                string text = await response.Content.ReadAsStringAsync(cancellationToken);
                error = $"HTTP {(int)response.StatusCode}: {Shorten(text)}";
                rejected = response.StatusCode == System.Net.HttpStatusCode.TooManyRequests;
            }
            else
            {
                await using Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                error = await read.ReadAsync(stream, sent, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error = "cancelled: the replay's drain time ran out before the stream ended";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or InvalidOperationException or OperationCanceledException)
        {
            error = $"{ex.GetType().Name}: {ex.Message}";
        }
        return new RequestOutcome(
            index,
            Stopwatch.GetElapsedTime(replayStart, sent),
            error,
            read.FirstToken,
            read.LastToken,
            Stopwatch.GetElapsedTime(replayStart),
            read.Tokens,
            read.PromptTokens,
            read.CompletionTokens,
            read.CachedTokens,
            rejected);
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>What one SSE stream carried.</summary>
    private sealed class StreamRead
    {
        public TimeSpan? FirstToken { get; private set; }
        public TimeSpan? LastToken { get; private set; }
        public int Tokens { get; private set; }
        public int? PromptTokens { get; private set; }
        public int? CompletionTokens { get; private set; }
        public int? CachedTokens { get; private set; }

        /// <summary>Reads events to <c>[DONE]</c>; returns the failure, or null when the stream completed.</summary>
        public async Task<string?> ReadAsync(Stream stream, long sent, CancellationToken cancellationToken)
        {
            using var reader = new StreamReader(stream);
            string? finish = null;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                TimeSpan at = Stopwatch.GetElapsedTime(sent);
                ReadOnlySpan<char> data = line.AsSpan(6);
                if (data.SequenceEqual("[DONE]"))
                    return finish is null ? "the stream ended without a finish reason" : null;
                using JsonDocument doc = JsonDocument.Parse(line.AsMemory(6));
                JsonElement root = doc.RootElement;
                if (root.TryGetProperty("error", out JsonElement err))
                    return $"error event: {Shorten(err.GetRawText())}";
                if (root.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object)
                {
                    PromptTokens = Int(usage, "prompt_tokens");
                    CompletionTokens = Int(usage, "completion_tokens");
                    if (usage.TryGetProperty("prompt_tokens_details", out JsonElement details) && details.ValueKind == JsonValueKind.Object
                        && details.TryGetProperty("cached_tokens", out JsonElement cached) && cached.ValueKind == JsonValueKind.Number)
                        CachedTokens = cached.GetInt32();
                }
                if (!root.TryGetProperty("choices", out JsonElement choices) || choices.ValueKind != JsonValueKind.Array)
                    return $"an event without choices: {Shorten(line)}";
                foreach (JsonElement choice in choices.EnumerateArray())
                {
                    int tokens = choice.TryGetProperty("logprobs", out JsonElement lp) && lp.ValueKind == JsonValueKind.Object
                        && lp.TryGetProperty("tokens", out JsonElement ids) && ids.ValueKind == JsonValueKind.Array
                        ? ids.GetArrayLength()
                        : 0;
                    if (tokens > 0)
                    {
                        FirstToken ??= at;
                        LastToken = at;
                        Tokens += tokens;
                    }
                    if (choice.TryGetProperty("finish_reason", out JsonElement f) && f.ValueKind == JsonValueKind.String) finish = f.GetString();
                }
            }
            return "the stream ended without [DONE]";
        }

        private static int? Int(JsonElement obj, string name) =>
            obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
    }
}
