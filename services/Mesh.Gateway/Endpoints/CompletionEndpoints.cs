using Mesh.Gateway.Auth;
using Mesh.Gateway.OpenAi;
using Mesh.Gateway.Replies;
using Mesh.Gateway.Requests;
using Mesh.Gateway.Responses;
using Mesh.Gateway.Streaming;

namespace Mesh.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/chat/completions</c> and <c>POST /v1/completions</c>: read and validate the body, publish the
/// request, then either stream the replies as SSE or collect them into one response object.
/// </summary>
internal static class CompletionEndpoints
{
    public static async Task<IResult> ChatAsync(HttpContext http, RequestBodyReader body, InferenceRequestMapper mapper, InferenceDispatcher dispatcher)
    {
        CancellationToken aborted = http.RequestAborted;
        ChatCompletionRequest parsed = await body.ReadAsync(http.Request, OpenAiJsonContext.Default.ChatCompletionRequest, aborted);
        GatewayRequest request = mapper.MapChat(parsed, CallerTenant.Of(http));
        ReplyStream stream = await dispatcher.SubmitAsync(request, aborted);
        if (request.Message.Stream) return new ChatStreamResult(stream);
        await using (stream)
        {
            ChoiceAccumulator choices = await ChoiceAccumulator.CollectAsync(stream, aborted);
            return Results.Json(ChatResponses.Completion(request, choices), OpenAiJson.Context.ChatCompletion);
        }
    }

    public static async Task<IResult> TextAsync(HttpContext http, RequestBodyReader body, InferenceRequestMapper mapper, InferenceDispatcher dispatcher)
    {
        CancellationToken aborted = http.RequestAborted;
        CompletionRequest parsed = await body.ReadAsync(http.Request, OpenAiJsonContext.Default.CompletionRequest, aborted);
        GatewayRequest request = mapper.MapCompletion(parsed, CallerTenant.Of(http));
        ReplyStream stream = await dispatcher.SubmitAsync(request, aborted);
        if (request.Message.Stream) return new TextStreamResult(stream);
        await using (stream)
        {
            ChoiceAccumulator choices = await ChoiceAccumulator.CollectAsync(stream, aborted);
            return Results.Json(TextResponses.Completion(request, choices), OpenAiJson.Context.TextCompletion);
        }
    }
}
