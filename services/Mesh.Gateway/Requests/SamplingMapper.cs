using System.Text.Json;
using Mesh.Contracts;
using Mesh.Gateway.OpenAi;
using static Mesh.Gateway.RequestErrors;

namespace Mesh.Gateway.Requests;

/// <summary>
/// Validates the fields chat and completions share and turns them into <see cref="SamplingParameters"/>.
/// Ranges follow OpenAI's (temperature [0, 2], top_p (0, 1], penalties [-2, 2], at most 4 stop strings) and
/// vLLM's for the extras (top_k -1 or ≥ 0, min_p [0, 1], repetition_penalty &gt; 0).
/// </summary>
internal static class SamplingMapper
{
    public const int MaxChoices = 16;
    public const int MaxStopStrings = 4;
    public const int MaxTopLogprobs = 20;

    /// <summary>The sampling parameters of <paramref name="r"/>, given the already resolved token budget and logprob settings.</summary>
    public static SamplingParameters Map(GenerationRequest r, int maxTokens, bool logprobs, int topLogprobs)
    {
        float temperature = r.Temperature ?? 1f;
        if (!(temperature is >= 0f and <= 2f)) OutOfRange("temperature", temperature, "[0, 2]");
        float topP = r.TopP ?? 1f;
        if (!(topP is > 0f and <= 1f)) OutOfRange("top_p", topP, "(0, 1]");
        int n = r.N ?? 1;
        if (n is < 1 or > MaxChoices) OutOfRange("n", n, $"[1, {MaxChoices}]");
        float presence = r.PresencePenalty ?? 0f;
        if (!(presence is >= -2f and <= 2f)) OutOfRange("presence_penalty", presence, "[-2, 2]");
        float frequency = r.FrequencyPenalty ?? 0f;
        if (!(frequency is >= -2f and <= 2f)) OutOfRange("frequency_penalty", frequency, "[-2, 2]");
        int topK = r.TopK ?? 0;
        if (topK < -1) OutOfRange("top_k", topK, "-1 (off) or [0, ∞)");
        float minP = r.MinP ?? 0f;
        if (!(minP is >= 0f and <= 1f)) OutOfRange("min_p", minP, "[0, 1]");
        float repetition = r.RepetitionPenalty ?? 1f;
        if (!(repetition > 0f)) OutOfRange("repetition_penalty", repetition, "(0, ∞)");
        if (r.LogitBias is { ValueKind: not JsonValueKind.Null } bias
            && !(bias.ValueKind == JsonValueKind.Object && !bias.EnumerateObject().Any()))
            Unsupported("logit_bias", "'logit_bias' is not supported.");

        return new SamplingParameters(
            MaxTokens: maxTokens,
            Temperature: temperature,
            TopP: topP,
            TopK: topK == -1 ? 0 : topK,
            MinP: minP,
            RepetitionPenalty: repetition,
            PresencePenalty: presence,
            FrequencyPenalty: frequency,
            Seed: r.Seed,
            Stop: StopStrings(r.Stop),
            IgnoreEos: r.IgnoreEos ?? false,
            Logprobs: logprobs,
            TopLogprobs: topLogprobs,
            N: n);
    }

    /// <summary><paramref name="value"/> when it is in [1, <paramref name="limit"/>].</summary>
    public static int MaxTokens(int value, string param, int limit)
    {
        if (value < 1 || value > limit) OutOfRange(param, value, $"[1, {limit}]");
        return value;
    }

    /// <summary><paramref name="value"/> when it is in [0, 20].</summary>
    public static int TopLogprobs(int value, string param)
    {
        if (value is < 0 or > MaxTopLogprobs) OutOfRange(param, value, $"[0, {MaxTopLogprobs}]");
        return value;
    }

    /// <summary>Online unless the client asked for <c>"offline"</c>.</summary>
    public static Priority Priority(string? value) => value switch
    {
        null or "online" => Contracts.Priority.Online,
        "offline" => Contracts.Priority.Offline,
        _ => throw InvalidError("priority", $"Invalid 'priority': expected 'online' or 'offline', got '{value}'."),
    };

    /// <summary>The request's latency targets, null when it names none; each must be a positive number of milliseconds.</summary>
    public static ServiceTargets? Targets(GenerationRequest r)
    {
        if (r.TtftTargetMs is null && r.TpotTargetMs is null) return null;
        if (r.TtftTargetMs is { } ttft && !(ttft > 0)) OutOfRange("ttft_target_ms", ttft, "(0, inf)");
        if (r.TpotTargetMs is { } tpot && !(tpot > 0)) OutOfRange("tpot_target_ms", tpot, "(0, inf)");
        return new ServiceTargets(r.TtftTargetMs, r.TpotTargetMs);
    }

    /// <summary>Whether <c>stream_options</c> asks for a usage chunk; only allowed when streaming.</summary>
    public static bool IncludeUsage(GenerationRequest r)
    {
        if (r.StreamOptions is null) return false;
        if (r.Stream != true) Invalid("stream_options", "'stream_options' is only allowed when 'stream' is true.");
        return r.StreamOptions.IncludeUsage ?? false;
    }

    private static string[] StopStrings(JsonElement? stop)
    {
        if (stop is not { } element || element.ValueKind == JsonValueKind.Null) return [];
        if (element.ValueKind == JsonValueKind.String) return [NonEmptyStop(element)];
        if (element.ValueKind != JsonValueKind.Array) Invalid("stop", "'stop' must be a string or an array of strings.");
        int count = element.GetArrayLength();
        if (count > MaxStopStrings) Invalid("stop", $"'stop' may hold at most {MaxStopStrings} strings, got {count}.");
        var strings = new string[count];
        int i = 0;
        foreach (JsonElement item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) Invalid("stop", "'stop' must be a string or an array of strings.");
            strings[i++] = NonEmptyStop(item);
        }
        return strings;
    }

    private static string NonEmptyStop(JsonElement item)
    {
        string value = item.GetString()!;
        if (value.Length == 0) Invalid("stop", "Stop strings must not be empty.");
        return value;
    }
}
