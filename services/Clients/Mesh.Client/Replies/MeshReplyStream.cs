using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Mesh.Contracts;

namespace Mesh.Client;

/// <summary>
/// The replies of one request submitted on pub/sub, as its caller reads them: every choice's
/// <see cref="TokenChunk"/>s once each and in sequence order (repeats dropped, early chunks held until the gap
/// fills), then that choice's <see cref="Completed"/>, until all n choices are complete. A <see cref="Failed"/>
/// reply, or the request's deadline passing, ends the stream with <see cref="MeshRequestFailedException"/>.
/// Disposing a stream that did not end that way publishes a <see cref="CancelRequest"/>, so the mesh stops working
/// for nobody. One reader.
/// </summary>
public sealed class MeshReplyStream : IAsyncDisposable
{
    /// <summary>How long disposal waits for the transport to take the cancellation.</summary>
    private static readonly TimeSpan CancelTimeout = TimeSpan.FromSeconds(5);

    /// <summary>This request's queue in the router.</summary>
    private readonly ChannelReader<ReplyMessage> _replies;

    /// <summary>Closes the queue on disposal.</summary>
    private readonly ReplyRouter _router;

    /// <summary>Publishes a cancellation on the transport the request went out on.</summary>
    private readonly Func<CancelRequest, CancellationToken, Task> _cancel;

    private readonly TimeProvider _time;

    /// <summary>Set by the first <see cref="ReadAllAsync"/>: the stream has one reader.</summary>
    private int _reading;

    /// <summary>True once the mesh knows the request ended: every choice complete, or failed.</summary>
    private bool _settled;

    /// <summary>True when the deadline ended the stream.</summary>
    private bool _timedOut;

    /// <summary>Highest attempt seen on a reply: the attempt a cancellation names.</summary>
    private int _attempt;

    /// <summary>0 until disposed.</summary>
    private int _disposed;

    internal MeshReplyStream(InferenceRequest request, ChannelReader<ReplyMessage> replies, ReplyRouter router,
        Func<CancelRequest, CancellationToken, Task> cancel, TimeProvider time)
    {
        Request = request;
        _replies = replies;
        _router = router;
        _cancel = cancel;
        _time = time;
    }

    /// <summary>The request as it was published.</summary>
    public InferenceRequest Request { get; }

    /// <summary>The request's id.</summary>
    public RequestId RequestId => Request.Envelope.RequestId;

    /// <summary>
    /// Yields <see cref="TokenChunk"/>s (each choice's in order, each once; choices interleave as they arrive) and one
    /// <see cref="Completed"/> per choice after its last chunk; ends when every choice is complete.
    /// </summary>
    /// <exception cref="MeshRequestFailedException">The mesh failed the request, or its deadline passed (<c>deadline_exceeded</c>).</exception>
    /// <exception cref="MeshConnectionException">The transport's receiver stopped.</exception>
    /// <exception cref="InvalidOperationException">The stream is already being read.</exception>
    public async IAsyncEnumerable<ReplyMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) == 1)
            throw new InvalidOperationException($"The replies of request {RequestId.Value} are already being read; a reply stream has one reader.");
        var choices = new ChoiceState[Request.Sampling.N];
        for (int i = 0; i < choices.Length; i++) choices[i] = new ChoiceState();
        int open = choices.Length;
        TimeSpan left = Request.Envelope.Deadline - _time.GetUtcNow();
        using var deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        List<TokenChunk> released = [];

        while (open > 0)
        {
            ReplyMessage reply = await NextAsync(linked.Token, cancellationToken);
            _attempt = Math.Max(_attempt, reply.Envelope.Attempt);
            if (reply is Failed failed)
            {
                _settled = true;
                throw MeshRequestFailedException.From(failed);
            }
            int index = reply switch
            {
                TokenChunk chunk => chunk.ChoiceIndex,
                Completed completed => completed.ChoiceIndex,
                _ => -1,
            };
            // A choice this request did not ask for cannot be placed; it is dropped, like a stale reply.
            if ((uint)index >= (uint)choices.Length || choices[index].Finished) continue;
            ChoiceState choice = choices[index];

            if (reply is TokenChunk tokens)
            {
                released.Clear();
                choice.Order.Take(tokens, released);
                foreach (TokenChunk next in released)
                {
                    choice.Tokens += next.TokenIds.Length;
                    choice.LastChunkSeen |= next.FinishReason is not null;
                    yield return next;
                }
            }
            else if (reply is Completed completed)
            {
                choice.Completion ??= completed;
            }

            if (choice.TryFinish())
            {
                open--;
                yield return choice.Completion!;
            }
        }
        _settled = true;
    }

    /// <summary>Reads the whole answer: each choice's text, token ids, finish reason and usage.</summary>
    /// <exception cref="MeshRequestFailedException">The mesh failed the request, or its deadline passed.</exception>
    public async Task<MeshCompletion> CollectAsync(CancellationToken cancellationToken = default)
    {
        int n = Request.Sampling.N;
        var text = new StringBuilder[n];
        var ids = new List<int>[n];
        var logprobs = new List<SampledToken>?[n];
        var done = new Completed[n];
        for (int i = 0; i < n; i++) (text[i], ids[i]) = (new StringBuilder(), []);
        await foreach (ReplyMessage reply in ReadAllAsync(cancellationToken))
        {
            if (reply is TokenChunk chunk)
            {
                text[chunk.ChoiceIndex].Append(chunk.TextDelta);
                ids[chunk.ChoiceIndex].AddRange(chunk.TokenIds);
                if (chunk.Logprobs is not null) (logprobs[chunk.ChoiceIndex] ??= []).AddRange(chunk.Logprobs);
            }
            else if (reply is Completed completed)
            {
                done[completed.ChoiceIndex] = completed;
            }
        }
        var choices = new MeshChoice[n];
        for (int i = 0; i < n; i++)
            choices[i] = new MeshChoice(i, text[i].ToString(), ids[i], done[i].FinishReason, done[i].Usage, logprobs[i]);
        return new MeshCompletion(RequestId, choices);
    }

    /// <summary>
    /// Stops listening for the request's replies and, unless it completed or failed, publishes a
    /// <see cref="CancelRequest"/> for it (best effort: a transport error there is not raised from disposal).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _router.Close(RequestId);
        if (_settled) return;
        string reason = _timedOut ? "deadline passed at the client" : "the client stopped reading";
        var cancel = new CancelRequest(Request.Envelope with { Attempt = _attempt }, reason);
        try
        {
            using var timeout = new CancellationTokenSource(CancelTimeout);
            await _cancel(cancel, timeout.Token);
        }
        catch (Exception)
        {
            // Best effort: the request still ends at its deadline in the mesh, and disposal must not throw.
        }
    }

    private async ValueTask<ReplyMessage> NextAsync(CancellationToken linked, CancellationToken caller)
    {
        try
        {
            return await _replies.ReadAsync(linked);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            _timedOut = true;
            throw new MeshRequestFailedException(RequestId, FailureCodes.DeadlineExceeded,
                $"no final reply before the deadline {Request.Envelope.Deadline:O}", retryable: false);
        }
        catch (ChannelClosedException ex)
        {
            throw new MeshConnectionException($"The reply receiver stopped while request {RequestId.Value} was waiting: {ex.InnerException?.Message ?? ex.Message}", ex.InnerException ?? ex);
        }
    }

    /// <summary>Where one choice stands.</summary>
    private sealed class ChoiceState
    {
        /// <summary>Orders and deduplicates the choice's chunks.</summary>
        public readonly ChoiceOrder Order = new();

        /// <summary>The choice's completion, once it arrived.</summary>
        public Completed? Completion;

        /// <summary>Whether the chunk carrying the finish reason was let through.</summary>
        public bool LastChunkSeen;

        /// <summary>Tokens let through so far.</summary>
        public long Tokens;

        /// <summary>Whether the completion was yielded.</summary>
        public bool Finished;

        /// <summary>
        /// Complete once the completion arrived and the chunks are all through: the last chunk (with a finish
        /// reason) was let through, or, when no chunk carries one, nothing is held behind a gap and the tokens let
        /// through reach the completion's count.
        /// </summary>
        public bool TryFinish()
        {
            if (Finished || Completion is null) return false;
            Finished = LastChunkSeen || (Order.Held == 0 && Tokens >= Completion.Usage.CompletionTokens);
            return Finished;
        }
    }
}
