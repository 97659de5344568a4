using Mesh.Contracts;
using Mesh.Gateway.OpenAi;
using Mesh.Gateway.Replies;
using Mesh.Gateway.Requests;
using Mesh.Gateway.Responses;

namespace Mesh.Gateway.Streaming;

/// <summary>
/// A streaming answer: reads the request's <see cref="ReplyStream"/> and writes each event as SSE, then the usage
/// chunk (with <c>stream_options.include_usage</c>) and <c>[DONE]</c>. Headers go out with the first event, so a
/// request that fails before producing anything still gets a plain HTTP error; a failure after that becomes an
/// error event followed by <c>[DONE]</c>. Owns the stream: disposing it cancels the request in the mesh when the
/// client went away first. Subclasses shape the chunks (chat or text).
/// </summary>
internal abstract class CompletionStreamResult(ReplyStream stream) : IResult
{
    protected GatewayRequest Request => stream.Request;

    public async Task ExecuteAsync(HttpContext http)
    {
        CancellationToken aborted = http.RequestAborted;
        await using ReplyStream replies = stream;
        SseWriter? sse = null;
        try
        {
            var completions = new List<Completed>(Request.ChoiceCount);
            await foreach (ReplyEvent e in replies.ReadAllAsync(aborted))
            {
                sse ??= SseWriter.Start(http.Response);
                if (e.Kind == ReplyEventKind.Tokens)
                {
                    await WriteTokensAsync(sse, e.ChoiceIndex, e.Chunk!, aborted);
                    continue;
                }
                completions.Add(e.Completion!);
                await WriteFinishAsync(sse, e.ChoiceIndex, e.Completion!, aborted);
            }
            sse ??= SseWriter.Start(http.Response);
            if (Request.IncludeUsage) await WriteUsageAsync(sse, UsageTotals.Of(completions), aborted);
            await sse.WriteDoneAsync(aborted);
        }
        catch (OpenAiException error)
        {
            await WriteFailureAsync(http, sse, error, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away; disposing the stream cancels the request in the mesh.
        }
        finally
        {
            sse?.Dispose();
        }
    }

    /// <summary>A plain HTTP error while nothing was sent; after that, an error event and <c>[DONE]</c>.</summary>
    private static async Task WriteFailureAsync(HttpContext http, SseWriter? sse, OpenAiException error, CancellationToken aborted)
    {
        if (sse is null)
        {
            await OpenAiErrorFilter.ErrorResult(error).ExecuteAsync(http);
            return;
        }
        try
        {
            await sse.WriteErrorAsync(error, aborted);
            await sse.WriteDoneAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away while the error was written.
        }
    }

    /// <summary>Writes the next chunk of choice <paramref name="index"/>.</summary>
    protected abstract ValueTask WriteTokensAsync(SseWriter sse, int index, TokenChunk chunk, CancellationToken cancellationToken);

    /// <summary>Writes the last chunk of choice <paramref name="index"/>.</summary>
    protected abstract ValueTask WriteFinishAsync(SseWriter sse, int index, Completed completed, CancellationToken cancellationToken);

    /// <summary>Writes the usage chunk.</summary>
    protected abstract ValueTask WriteUsageAsync(SseWriter sse, UsageBody usage, CancellationToken cancellationToken);
}

/// <summary>Chat chunks: a role chunk opens each choice, then content deltas, then the finish chunk.</summary>
internal sealed class ChatStreamResult(ReplyStream stream) : CompletionStreamResult(stream)
{
    /// <summary>Whether a choice's role chunk went out.</summary>
    private readonly bool[] _opened = new bool[stream.Request.ChoiceCount];

    protected override async ValueTask WriteTokensAsync(SseWriter sse, int index, TokenChunk chunk, CancellationToken cancellationToken)
    {
        await OpenAsync(sse, index, cancellationToken);
        if (chunk.TextDelta.Length == 0 && !Request.Message.Sampling.Logprobs) return;
        await sse.WriteAsync(ChatResponses.Content(Request, index, chunk), OpenAiJson.Context.ChatCompletionChunk, cancellationToken);
    }

    protected override async ValueTask WriteFinishAsync(SseWriter sse, int index, Completed completed, CancellationToken cancellationToken)
    {
        await OpenAsync(sse, index, cancellationToken);
        await sse.WriteAsync(ChatResponses.Finish(Request, index, completed), OpenAiJson.Context.ChatCompletionChunk, cancellationToken);
    }

    protected override ValueTask WriteUsageAsync(SseWriter sse, UsageBody usage, CancellationToken cancellationToken) =>
        sse.WriteAsync(ChatResponses.Usage(Request, usage), OpenAiJson.Context.ChatCompletionChunk, cancellationToken);

    private ValueTask OpenAsync(SseWriter sse, int index, CancellationToken cancellationToken)
    {
        if (_opened[index]) return ValueTask.CompletedTask;
        _opened[index] = true;
        return sse.WriteAsync(ChatResponses.Role(Request, index), OpenAiJson.Context.ChatCompletionChunk, cancellationToken);
    }
}

/// <summary>Completions chunks: text deltas, then the finish chunk.</summary>
internal sealed class TextStreamResult(ReplyStream stream) : CompletionStreamResult(stream)
{
    /// <summary>Characters of text sent so far per choice, for <c>text_offset</c>.</summary>
    private readonly int[] _sent = new int[stream.Request.ChoiceCount];

    protected override ValueTask WriteTokensAsync(SseWriter sse, int index, TokenChunk chunk, CancellationToken cancellationToken)
    {
        if (chunk.TextDelta.Length == 0 && !Request.Message.Sampling.Logprobs) return ValueTask.CompletedTask;
        int offset = _sent[index];
        _sent[index] += chunk.TextDelta.Length;
        return sse.WriteAsync(TextResponses.Text(Request, index, chunk, offset), OpenAiJson.Context.TextCompletionChunk, cancellationToken);
    }

    protected override ValueTask WriteFinishAsync(SseWriter sse, int index, Completed completed, CancellationToken cancellationToken) =>
        sse.WriteAsync(TextResponses.Finish(Request, index, completed), OpenAiJson.Context.TextCompletionChunk, cancellationToken);

    protected override ValueTask WriteUsageAsync(SseWriter sse, UsageBody usage, CancellationToken cancellationToken) =>
        sse.WriteAsync(TextResponses.Usage(Request, usage), OpenAiJson.Context.TextCompletionChunk, cancellationToken);
}
