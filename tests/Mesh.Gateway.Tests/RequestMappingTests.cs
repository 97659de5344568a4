using System.Net;
using System.Text.Json;
using Mesh.Contracts;

namespace Mesh.Gateway.Tests;

/// <summary>The published <see cref="InferenceRequest"/> carries exactly what the client asked for.</summary>
public sealed class RequestMappingTests
{
    [Fact]
    public async Task Every_chat_field_is_mapped_onto_the_published_request()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        DateTimeOffset before = DateTimeOffset.UtcNow;

        await Http.PostStreamAsync(host.Client, "/v1/chat/completions", """
            {"model":"other",
             "messages":[{"role":"developer","content":"Be brief."},
                         {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
                         {"role":"assistant","content":null},
                         {"role":"tool","content":"42"}],
             "max_tokens":50,"max_completion_tokens":40,"temperature":0.5,"top_p":0.9,"n":3,"stop":["END","\n\n"],
             "seed":1234,"logprobs":true,"top_logprobs":3,"presence_penalty":0.5,"frequency_penalty":-0.5,
             "stream":true,"stream_options":{"include_usage":true},"user":"u1",
             "top_k":40,"min_p":0.05,"repetition_penalty":1.1,"ignore_eos":true,"priority":"offline",
             "ttft_target_ms":250,"tpot_target_ms":40.5,
             "store":false,"metadata":{"a":"b"},"parallel_tool_calls":true,"something_new":1}
            """);

        InferenceRequest published = Assert.Single(host.Backend.Requests.Entries);
        var expected = new SamplingParameters(
            MaxTokens: 40, Temperature: 0.5f, TopP: 0.9f, TopK: 40, MinP: 0.05f, RepetitionPenalty: 1.1f,
            PresencePenalty: 0.5f, FrequencyPenalty: -0.5f, Seed: 1234, Stop: ["END", "\n\n"], StopTokenIds: [],
            IgnoreEos: true, Logprobs: true, TopLogprobs: 3, N: 3);
        AssertSampling(expected, published.Sampling);
        Assert.Equal("other", published.Model);
        Assert.True(published.Stream);
        Assert.Equal(Topics.RepliesFor(GatewayHost.InstanceId), published.ReplyTopic);
        Assert.Equal("mesh.replies.gw-test", published.ReplyTopic);

        ChatPrompt prompt = Assert.IsType<ChatPrompt>(published.Prompt);
        Assert.Equal(
            [new ChatMessage("system", "Be brief."), new ChatMessage("user", "a\nb"), new ChatMessage("assistant", ""), new ChatMessage("tool", "42")],
            prompt.Messages);

        MessageEnvelope envelope = published.Envelope;
        Assert.Equal(0, envelope.Attempt);
        Assert.Equal(Priority.Offline, envelope.Priority);
        Assert.Equal(new ServiceTargets(250, 40.5), published.Targets);
        Assert.Equal(new TenantId("default"), envelope.TenantId);
        Assert.InRange(envelope.Deadline, before + TimeSpan.FromSeconds(10), DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Omitted_fields_publish_the_neutral_defaults()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        await Http.PostAsync(host.Client, "/v1/chat/completions", """{"model":"tiny","messages":[{"role":"user","content":"Hi"}]}""");

        InferenceRequest published = Assert.Single(host.Backend.Requests.Entries);
        AssertSampling(new SamplingParameters(MaxTokens: 100), published.Sampling);
        Assert.False(published.Stream);
        Assert.Equal(Priority.Online, published.Envelope.Priority);
        Assert.Null(published.Targets);
    }

    [Fact]
    public async Task Completions_logprobs_count_and_vllm_top_k_off_are_mapped()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();

        (HttpStatusCode status, _) = await Http.PostAsync(host.Client, "/v1/completions",
            """{"model":"tiny","prompt":["abc"],"logprobs":0,"top_k":-1,"max_tokens":7,"stop":"\n","seed":-5,"best_of":1}""");

        Assert.Equal(HttpStatusCode.OK, status);
        InferenceRequest published = Assert.Single(host.Backend.Requests.Entries);
        AssertSampling(new SamplingParameters(MaxTokens: 7, Stop: ["\n"], Seed: -5, Logprobs: true, TopLogprobs: 0), published.Sampling);
        Assert.Equal(new TextPrompt("abc"), published.Prompt);
    }

    [Fact]
    public async Task Published_request_survives_the_wire_format()
    {
        await using GatewayHost host = await GatewayHost.StartAsync();
        await Http.PostAsync(host.Client, "/v1/chat/completions", """{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"stop":"x","n":2}""");
        InferenceRequest published = Assert.Single(host.Backend.Requests.Entries);

        string json = JsonSerializer.Serialize(published, MeshJsonContext.Default.InferenceRequest);
        InferenceRequest read = JsonSerializer.Deserialize(json, MeshJsonContext.Default.InferenceRequest)!;

        Assert.Equal(published.Envelope, read.Envelope);
        Assert.Equal(published.ReplyTopic, read.ReplyTopic);
        AssertSampling(published.Sampling, read.Sampling);
        Assert.Equal(((ChatPrompt)published.Prompt).Messages, ((ChatPrompt)read.Prompt).Messages);
    }

    /// <summary>Equal member by member, arrays by content.</summary>
    private static void AssertSampling(SamplingParameters expected, SamplingParameters actual)
    {
        Assert.Equal(expected.Stop, actual.Stop);
        Assert.Equal(expected.StopTokenIds, actual.StopTokenIds);
        Assert.Equal(expected, actual with { Stop = expected.Stop, StopTokenIds = expected.StopTokenIds });
    }
}
