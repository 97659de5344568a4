using Mesh.Contracts;
using Mesh.Engine.Model;
using Mesh.Scheduler.Admission;
using Mesh.Workers.Kv;

namespace Mesh.Scheduler.Tests;

public sealed class AdmissionTests(TinyModels models) : IClassFixture<TinyModels>
{
    private static readonly DateTimeOffset Now = Workers.Now;

    private RequestAdmission Admission(int maxContext = 0) =>
        new(TokenizerFiles.Load(models.Gguf, "tiny"), new SchedulerOptions { BlockSize = 16, MaxContext = maxContext });

    private static InferenceRequest Request(Prompt prompt, SamplingParameters? sampling = null, string model = "tiny") =>
        new(new MessageEnvelope(new RequestId("r"), 0, Priority.Online, default, new TenantId("acme")), model, prompt,
            sampling ?? new SamplingParameters(MaxTokens: 16), "mesh.replies.t", true);

    [Theory]
    [InlineData("gguf")]
    [InlineData("safetensors")]
    public void The_tokenizer_alone_encodes_like_the_loaded_model(string format)
    {
        string path = format == "gguf" ? models.Gguf : models.HuggingFace;
        using LoadedModel loaded = ModelLoader.Load(path);

        ServedTokenizer served = TokenizerFiles.Load(path, null);

        const string text = "A quick brown fox, 42 times!";
        Assert.Equal(loaded.Tokenizer.Encode(text, true), served.Tokenizer.Encode(text, true));
        Assert.Equal(loaded.Config.ContextLength, served.ContextLength);
        Assert.Equal(loaded.ChatFormat?.Name, served.Chat?.Name);
        Assert.Equal(format == "gguf" ? "tiny" : "tiny-hf", served.Name);
    }

    [Fact]
    public void A_text_prompt_is_tokenized_with_bos_salted_by_tenant_and_given_a_seed()
    {
        AdmittedRequest admitted = Admission().Admit(Request(new TextPrompt(new string('a', 300))), Now);

        ServedTokenizer served = TokenizerFiles.Load(models.Gguf, "tiny");
        Assert.Equal(served.Tokenizer.Encode(new string('a', 300), served.Tokenizer.AddBos), admitted.TokenIds);
        Assert.NotNull(admitted.Sampling.Seed);
        Assert.Equal(KvNaming.ReusableChain(admitted.TokenIds, 16, KvNaming.TenantSalt(new TenantId("acme"))), admitted.Chain);
        Assert.NotEqual(KvNaming.ReusableChain(admitted.TokenIds, 16, KvNaming.TenantSalt(new TenantId("other"))), admitted.Chain);
        Assert.Equal(Now + new SchedulerOptions().DefaultDeadline, admitted.Deadline);
    }

    [Fact]
    public void A_chat_prompt_gets_the_chat_formats_stop_strings()
    {
        AdmittedRequest admitted = Admission().Admit(
            Request(new ChatPrompt([new ChatMessage("user", "hi")]), new SamplingParameters(MaxTokens: 4, Stop: ["END"], Seed: 9)), Now);

        Assert.Equal(["END", "</s>", "<|user|>"], admitted.Sampling.Stop);
        Assert.Equal(9, admitted.Sampling.Seed);
    }

    [Theory]
    [InlineData("model", "model 'other' is not served here; the served model is 'tiny'")]
    [InlineData("empty-text", "the prompt is empty: give some text")]
    [InlineData("empty-ids", "the prompt is empty: give at least one token id")]
    [InlineData("empty-chat", "messages is empty")]
    [InlineData("max-tokens", "max_tokens must be at least 1, was 0")]
    [InlineData("context", "the model's context holds 100 tokens, but the prompt has 90 and max_tokens asks for 16 more (106)")]
    [InlineData("top-p", "top_p must be in (0, 1]")]
    [InlineData("n", "n must be from 1 to 16, was 17")]
    [InlineData("vocabulary", "token id -1 is outside the vocabulary (0..511)")]
    public void Requests_that_cannot_be_served_are_refused_with_what_to_change(string what, string message)
    {
        InferenceRequest request = what switch
        {
            "model" => Request(new TextPrompt("hi"), model: "other"),
            "empty-text" => Request(new TextPrompt("")),
            "empty-ids" => Request(new TokenPrompt([])),
            "empty-chat" => Request(new ChatPrompt([])),
            "max-tokens" => Request(new TextPrompt("hi"), new SamplingParameters(MaxTokens: 0)),
            "context" => Request(new TokenPrompt([.. Enumerable.Range(5, 90)])),
            "top-p" => Request(new TextPrompt("hi"), new SamplingParameters(TopP: 0)),
            "n" => Request(new TextPrompt("hi"), new SamplingParameters(N: 17)),
            _ => Request(new TokenPrompt([1, -1])),
        };

        var refused = Assert.Throws<RequestInvalidException>(() => Admission(maxContext: 100).Admit(request, Now));

        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_context_is_the_models_capped_as_the_workers_cap_it()
    {
        Assert.Equal(2048, Admission().MaxContext);
        Assert.Equal(100, Admission(maxContext: 100).MaxContext);
        Assert.Equal(2048, Admission(maxContext: 100_000).MaxContext);
    }
}
