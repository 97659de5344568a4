using System.Net;
using System.Text.Json;

namespace Mesh.Gateway.Tests;

/// <summary>Every refused request gets OpenAI's error body naming the parameter, and nothing is published.</summary>
public sealed class ValidationTests : IAsyncLifetime
{
    private const string Chat = "/v1/chat/completions";
    private const string Text = "/v1/completions";
    private const string Messages = """ "messages":[{"role":"user","content":"Hi"}] """;

    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, string, string?> Refused => new()
    {
        // path, body, param (null: the body as a whole)
        { Chat, """{"model":"tiny", """, null },
        { Chat, """[1,2]""", null },
        { Chat, "", null },
        { Chat, """{"messages":[{"role":"user","content":"Hi"}]}""", "model" },
        { Chat, """{"model":"tiny"}""", "messages" },
        { Chat, """{"model":"tiny","messages":[]}""", "messages" },
        { Chat, """{"model":"tiny","messages":[{"content":"Hi"}]}""", "messages[0].role" },
        { Chat, """{"model":"tiny","messages":[{"role":"user","content":"Hi"},{"role":"wizard","content":"Hi"}]}""", "messages[1].role" },
        { Chat, """{"model":"tiny","messages":[{"role":"user"}]}""", "messages[0].content" },
        { Chat, """{"model":"tiny","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages[0].content[0].type" },
        { Chat, """{"model":"tiny","messages":[{"role":5,"content":"Hi"}]}""", "messages[0].role" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"max_tokens":0}""", "max_tokens" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"max_tokens":-3}""", "max_tokens" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"max_tokens":{{GatewayHost.MaxTokensLimit + 1}}}""", "max_tokens" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"max_completion_tokens":0}""", "max_completion_tokens" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"temperature":-0.1}""", "temperature" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"temperature":2.01}""", "temperature" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"temperature":"hot"}""", "temperature" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"top_p":0}""", "top_p" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"top_p":1.5}""", "top_p" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"n":0}""", "n" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"n":17}""", "n" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"stop":["a","b","c","d","e"]}""", "stop" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"stop":[1]}""", "stop" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"stop":""}""", "stop" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"presence_penalty":2.5}""", "presence_penalty" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"frequency_penalty":-3}""", "frequency_penalty" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"top_k":-2}""", "top_k" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"min_p":1.5}""", "min_p" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"repetition_penalty":0}""", "repetition_penalty" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"top_logprobs":2}""", "top_logprobs" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"logprobs":true,"top_logprobs":21}""", "top_logprobs" },
        { Chat, $$"""{"model":"tiny",{{Messages}},"priority":"urgent"}""", "priority" },
        { Chat, $$$"""{"model":"tiny",{{{Messages}}},"stream_options":{"include_usage":true}}""", "stream_options" },
        { Chat, $$$"""{"model":"tiny",{{{Messages}}},"tools":[{"type":"function","function":{"name":"f"}}]}""", "tools" },
        { Chat, $$$"""{"model":"tiny",{{{Messages}}},"response_format":{"type":"json_object"}}""", "response_format" },
        { Chat, $$$"""{"model":"tiny",{{{Messages}}},"logit_bias":{"50256":-100}}""", "logit_bias" },
        { Text, """{"model":"tiny"}""", "prompt" },
        { Text, """{"model":"tiny","prompt":""}""", "prompt" },
        { Text, """{"model":"tiny","prompt":[]}""", "prompt" },
        { Text, """{"model":"tiny","prompt":["a","b"]}""", "prompt" },
        { Text, """{"model":"tiny","prompt":[1,-2]}""", "prompt" },
        { Text, """{"model":"tiny","prompt":{"text":"a"}}""", "prompt" },
        { Text, """{"model":"tiny","prompt":"a","max_tokens":0}""", "max_tokens" },
        { Text, """{"model":"tiny","prompt":"a","logprobs":21}""", "logprobs" },
        { Text, """{"model":"tiny","prompt":"a","echo":true}""", "echo" },
        { Text, """{"model":"tiny","prompt":"a","best_of":3}""", "best_of" },
        { Text, """{"model":"tiny","prompt":"a","suffix":"end"}""", "suffix" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Invalid_request_is_a_400_naming_the_param(string path, string json, string? param)
    {
        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(_host.Client, path, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Http.AssertError(body, "invalid_request_error", param);
        Assert.Equal(0, _host.Backend.Requests.Count);
    }

    [Theory]
    [InlineData("""{"model":"tiny", """, "invalid_json")]
    [InlineData("null", "invalid_json")]
    [InlineData("""{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"temperature":"hot"}""", "invalid_type")]
    [InlineData("""{"model":"tiny"}""", "missing_required_parameter")]
    [InlineData("""{"model":"tiny","messages":[]}""", "invalid_value")]
    [InlineData("""{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"top_p":2}""", "invalid_value")]
    [InlineData("""{"model":"tiny","messages":[{"role":"wizard","content":"Hi"}]}""", "invalid_value")]
    [InlineData("""{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"ttft_target_ms":0}""", "invalid_value")]
    [InlineData("""{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"tpot_target_ms":-5}""", "invalid_value")]
    [InlineData("""{"model":"tiny","messages":[{"role":"user","content":"Hi"}],"tools":[{}]}""", "unsupported_parameter")]
    public async Task Error_code_tells_the_kind_of_mistake(string json, string code)
    {
        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(_host.Client, Chat, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Oversized_body_is_a_413()
    {
        string big = new('x', 5000);

        (HttpStatusCode status, JsonElement body) = await Http.PostAsync(_host.Client, Text, $$"""{"model":"tiny","prompt":"{{big}}"}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Http.AssertError(body, "invalid_request_error", null, "request_too_large");
    }

    [Fact]
    public async Task Oversized_body_without_a_content_length_is_a_413_too()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Text)
        {
            Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes($$"""{"model":"tiny","prompt":"{{new string('x', 5000)}}"}"""))),
        };
        request.Headers.TransferEncodingChunked = true;

        using HttpResponseMessage response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Missing_param_error_has_openai_code_and_message()
    {
        (_, JsonElement body) = await Http.PostAsync(_host.Client, Chat, """{"model":"tiny"}""");

        JsonElement error = Http.AssertError(body, "invalid_request_error", "messages", "missing_required_parameter");
        Assert.Equal("Missing required parameter: 'messages'.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Range_error_says_what_was_expected_and_what_came()
    {
        (_, JsonElement body) = await Http.PostAsync(_host.Client, Chat, $$"""{"model":"tiny",{{Messages}},"n":17}""");

        Assert.Equal("Invalid 'n': expected a value in [1, 16], got 17.", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Boundary_values_are_accepted()
    {
        (HttpStatusCode status, _) = await Http.PostAsync(_host.Client, Chat,
            $$"""{"model":"tiny",{{Messages}},"max_tokens":{{GatewayHost.MaxTokensLimit}},"temperature":0,"top_p":1,"stop":["a","b","c","d"],"top_k":-1,"min_p":1,"presence_penalty":-2,"frequency_penalty":2}""");
        (HttpStatusCode high, _) = await Http.PostAsync(_host.Client, Chat, $$"""{"model":"tiny",{{Messages}},"temperature":2,"max_tokens":1}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, high);
    }
}
