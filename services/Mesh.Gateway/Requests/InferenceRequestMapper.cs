using System.Collections.Frozen;
using System.Text.Json;
using Mesh.Contracts;
using Mesh.Gateway.OpenAi;
using Microsoft.Extensions.Options;
using static Mesh.Gateway.RequestErrors;

namespace Mesh.Gateway.Requests;

/// <summary>
/// Validates an OpenAI request body and builds the <see cref="InferenceRequest"/> the gateway publishes: a fresh
/// request id (<c>chatcmpl-…</c> / <c>cmpl-…</c>, also the response id), attempt 0, the client's priority, a
/// deadline of now + <see cref="GatewayOptions.RequestTimeout"/>, the caller's tenant, and this instance's reply
/// topic. n &gt; 1 stays one request with <see cref="SamplingParameters.N"/> = n: the choices share one prompt,
/// so the scheduler can prefill once and fork the decodes.
/// </summary>
internal sealed class InferenceRequestMapper(IOptions<GatewayOptions> options, GatewayInstance instance, TimeProvider time)
{
    /// <summary>OpenAI's default <c>max_tokens</c> for completions.</summary>
    public const int CompletionsDefaultMaxTokens = 16;

    /// <summary>Served model names.</summary>
    private readonly FrozenSet<string> _models = options.Value.Models.ToFrozenSet(StringComparer.Ordinal);

    public GatewayRequest MapChat(ChatCompletionRequest r, TenantId tenant)
    {
        string model = Model(r.Model);
        ChatPrompt prompt = PromptMapper.Chat(r.Messages);
        RefuseIfSet(r.Tools, "tools", "Tool calling is not supported.");
        RefuseIfSet(r.Functions, "functions", "Function calling is not supported.");
        if (r.ResponseFormat is { ValueKind: not JsonValueKind.Null } format && !IsPlainText(format))
            Unsupported("response_format", "Only 'response_format' {\"type\": \"text\"} is supported.");

        int limit = options.Value.MaxTokensLimit;
        int maxTokens = r.MaxCompletionTokens is { } mct ? SamplingMapper.MaxTokens(mct, "max_completion_tokens", limit)
            : r.MaxTokens is { } mt ? SamplingMapper.MaxTokens(mt, "max_tokens", limit)
            : options.Value.DefaultMaxTokens;
        bool logprobs = r.Logprobs ?? false;
        int top = SamplingMapper.TopLogprobs(r.TopLogprobs ?? 0, "top_logprobs");
        if (r.TopLogprobs is not null && !logprobs) Invalid("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
        return Build(r, "chatcmpl-", model, prompt, SamplingMapper.Map(r, maxTokens, logprobs, top), tenant);
    }

    public GatewayRequest MapCompletion(CompletionRequest r, TenantId tenant)
    {
        string model = Model(r.Model);
        Prompt prompt = PromptMapper.Completion(r.Prompt);
        if (r.Echo == true) Unsupported("echo", "'echo' is not supported.");
        if (r.BestOf is { } bestOf && bestOf != (r.N ?? 1)) Unsupported("best_of", "'best_of' other than n is not supported.");
        if (!string.IsNullOrEmpty(r.Suffix)) Unsupported("suffix", "'suffix' is not supported.");

        int limit = options.Value.MaxTokensLimit;
        int maxTokens = r.MaxTokens is { } mt ? SamplingMapper.MaxTokens(mt, "max_tokens", limit) : Math.Min(CompletionsDefaultMaxTokens, limit);
        int? top = r.Logprobs is { } count ? SamplingMapper.TopLogprobs(count, "logprobs") : null;
        return Build(r, "cmpl-", model, prompt, SamplingMapper.Map(r, maxTokens, top is not null, top ?? 0), tenant);
    }

    /// <summary>Whether the gateway serves <paramref name="model"/>.</summary>
    public bool Serves(string model) => _models.Contains(model);

    private string Model(string? model)
    {
        if (string.IsNullOrEmpty(model)) Missing("model");
        if (!_models.Contains(model)) throw OpenAiException.ModelNotFound(model);
        return model;
    }

    private GatewayRequest Build(GenerationRequest r, string idPrefix, string model, Prompt prompt, SamplingParameters sampling, TenantId tenant)
    {
        Priority priority = SamplingMapper.Priority(r.Priority);
        bool includeUsage = SamplingMapper.IncludeUsage(r);
        DateTimeOffset now = time.GetUtcNow();
        var envelope = new MessageEnvelope(
            new RequestId(idPrefix + Guid.NewGuid().ToString("N")),
            Attempt: 0,
            priority,
            now + options.Value.RequestTimeout,
            tenant);
        var message = new InferenceRequest(envelope, model, prompt, sampling, instance.ReplyTopic, r.Stream ?? false, SamplingMapper.Targets(r));
        return new GatewayRequest(message, includeUsage, now.ToUnixTimeSeconds(), r.User);
    }

    private static void RefuseIfSet(JsonElement? value, string param, string message)
    {
        if (value is { ValueKind: not JsonValueKind.Null } element && !(element.ValueKind == JsonValueKind.Array && element.GetArrayLength() == 0))
            Unsupported(param, message);
    }

    private static bool IsPlainText(JsonElement format) =>
        format.ValueKind == JsonValueKind.Object
        && format.TryGetProperty("type", out JsonElement type)
        && type.ValueKind == JsonValueKind.String
        && type.GetString() == "text";
}
