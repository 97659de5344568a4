using Mesh.Contracts;
using Mesh.Engine.Sampling;
using Mesh.Workers.Engine;
using Mesh.Workers.Kv;
using EngineChatMessage = Mesh.Engine.Tokenization.ChatMessage;

namespace Mesh.Scheduler.Admission;

/// <summary>
/// Turns an <see cref="InferenceRequest"/> into an <see cref="AdmittedRequest"/> or refuses it with a message the
/// client can act on: unknown model, n outside 1..16, bad sampling, empty prompt, token ids outside the vocabulary, no chat
/// format for chat messages, prompt + max_tokens beyond the context. Thread-safe.
/// </summary>
public sealed class RequestAdmission(ServedTokenizer model, SchedulerOptions options)
{
    /// <summary>Longest sequence the workers run: as their engines compute it.</summary>
    public int MaxContext { get; } = options.MaxContext > 0
        ? Math.Min(options.MaxContext, model.ContextLength)
        : Math.Min(model.ContextLength, 8192);

    /// <summary>Most choices one request may ask for.</summary>
    public const int MaxChoices = 16;

    /// <summary>The served model.</summary>
    public ServedTokenizer Model => model;

    /// <exception cref="RequestInvalidException">The request cannot be served as given.</exception>
    public AdmittedRequest Admit(InferenceRequest request, DateTimeOffset now)
    {
        if (!string.Equals(request.Model, model.Name, StringComparison.Ordinal))
            throw new RequestInvalidException($"model '{request.Model}' is not served here; the served model is '{model.Name}'");
        SamplingParameters sampling = request.Sampling;
        if (sampling.N is < 1 or > MaxChoices) throw new RequestInvalidException($"n must be from 1 to {MaxChoices}, was {sampling.N}");
        if (sampling.MaxTokens < 1) throw new RequestInvalidException($"max_tokens must be at least 1, was {sampling.MaxTokens}");
        CheckSampling(sampling);

        (int[] ids, string[] chatStops, MediaRef[] media) = Tokenize(request.Prompt);
        if (ids.Length + sampling.MaxTokens > MaxContext)
            throw new RequestInvalidException(
                $"the model's context holds {MaxContext} tokens, but the prompt has {ids.Length} and max_tokens asks for {sampling.MaxTokens} more " +
                $"({ids.Length + sampling.MaxTokens}); shorten the prompt or lower max_tokens");

        sampling = sampling with
        {
            Seed = sampling.Seed ?? Random.Shared.NextInt64(),
            Stop = chatStops.Length == 0 ? sampling.Stop : [.. sampling.Stop.Union(chatStops, StringComparer.Ordinal)],
        };
        DateTimeOffset deadline = request.Envelope.Deadline == default ? now + options.DefaultDeadline : request.Envelope.Deadline;
        BlockHash[] chain = KvNaming.ReusableChain(ids, options.BlockSize, KvNaming.TenantSalt(request.Envelope.TenantId));
        return new AdmittedRequest(request, ids, sampling, chain, media, deadline);
    }

    private static void CheckSampling(SamplingParameters sampling)
    {
        SamplingParams engine = SamplingMapper.ToEngine(sampling);
        try
        {
            engine.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new RequestInvalidException(ex.Message);
        }
    }

    private (int[] Ids, string[] ChatStops, MediaRef[] Media) Tokenize(Prompt prompt)
    {
        var tokenizer = model.Tokenizer;
        switch (prompt)
        {
            case TextPrompt text:
                if (string.IsNullOrEmpty(text.Text)) throw new RequestInvalidException("the prompt is empty: give some text");
                return (tokenizer.Encode(text.Text, tokenizer.AddBos), [], []);
            case ChatPrompt chat:
                if (chat.Messages.Length == 0) throw new RequestInvalidException("messages is empty: give at least one message");
                var format = model.Chat ?? throw new RequestInvalidException(
                    $"model '{model.Name}' has no chat template Mesh recognises; send a text prompt (completions) instead of chat messages");
                string rendered = format.Apply([.. chat.Messages.Select(m => new EngineChatMessage(m.Role, m.Content))], addGenerationPrompt: true);
                MediaRef[] media = [.. chat.Messages.SelectMany(m => m.Media ?? [])];
                return (tokenizer.Encode(rendered, addBos: !format.WritesBos && tokenizer.AddBos), [.. format.StopStrings], media);
            case TokenPrompt tokens:
                if (tokens.TokenIds.Length == 0) throw new RequestInvalidException("the prompt is empty: give at least one token id");
                foreach (int id in tokens.TokenIds)
                    if ((uint)id >= (uint)tokenizer.VocabSize)
                        throw new RequestInvalidException($"token id {id} is outside the vocabulary (0..{tokenizer.VocabSize - 1})");
                return (tokens.TokenIds, [], []);
            default:
                throw new RequestInvalidException($"prompt kind {prompt.GetType().Name} is not supported");
        }
    }
}
