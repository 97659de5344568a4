using System.Runtime.CompilerServices;
using Mesh.Contracts;
using Mesh.Gateway.Requests;
using Mesh.ServiceDefaults.Bus;

namespace Mesh.Gateway.Replies;

/// <summary>
/// The replies of one published request, as the HTTP side consumes them: each choice's chunks once and in
/// order, then that choice's completion, until all n choices are complete. A <see cref="Failed"/> reply ends
/// the stream with its <see cref="OpenAiException"/>; so does the request's deadline (504). Disposing a stream
/// that did not end with every choice complete or a failure (client disconnected, deadline, write error)
/// publishes a <see cref="CancelRequest"/>, so the mesh stops working for nobody. One reader.
/// </summary>
internal sealed class ReplyStream : IAsyncDisposable
{
    /// <summary>How long disposal waits for the bus to take the <see cref="CancelRequest"/>.</summary>
    private static readonly TimeSpan CancelPublishTimeout = TimeSpan.FromSeconds(5);

    private readonly GatewayRequest _request;
    private readonly ReplyRegistration _registration;
    private readonly IMeshBus _bus;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Per-choice progress, by choice index.</summary>
    private readonly ChoiceProgress[] _choices;

    /// <summary>Choices not yet complete.</summary>
    private int _open;

    /// <summary>Highest attempt seen on a reply: the attempt a cancellation names.</summary>
    private int _attempt;

    /// <summary>True once the stream ended in a way the mesh already knows about (all complete, or failed).</summary>
    private bool _settled;

    /// <summary>True when the deadline ended the stream.</summary>
    private bool _timedOut;

    public ReplyStream(GatewayRequest request, ReplyRegistration registration, IMeshBus bus, TimeProvider time, ILogger logger)
    {
        _request = request;
        _registration = registration;
        _bus = bus;
        _time = time;
        _logger = logger;
        _choices = new ChoiceProgress[request.ChoiceCount];
        for (int i = 0; i < _choices.Length; i++) _choices[i] = new ChoiceProgress();
        _open = _choices.Length;
    }

    /// <summary>The request these replies answer.</summary>
    public GatewayRequest Request => _request;

    /// <summary>
    /// Yields the request's events until every choice is complete.
    /// </summary>
    /// <exception cref="OpenAiException">A <see cref="Failed"/> reply, or the deadline passed (504).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="aborted"/> fired (client disconnected).</exception>
    public async IAsyncEnumerable<ReplyEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken aborted)
    {
        DateTimeOffset deadline = _request.Message.Envelope.Deadline;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        TimeSpan left = deadline - _time.GetUtcNow();
        timeout.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        List<TokenChunk> ready = [];
        while (_open > 0)
        {
            ReplyMessage reply = await NextAsync(timeout.Token, aborted);
            _attempt = Math.Max(_attempt, reply.Envelope.Attempt);
            if (reply is Failed failed)
            {
                _settled = true;
                OpenAiException error = OpenAiException.FromFailure(failed);
                _logger.RequestFailed(_request.Id.Value, error.StatusCode, error.Code, error.Message);
                throw error;
            }
            int index = reply switch
            {
                TokenChunk chunk => chunk.ChoiceIndex,
                Completed completed => completed.ChoiceIndex,
                _ => -1,
            };
            if ((uint)index >= (uint)_choices.Length)
            {
                _logger.UnexpectedChoice(_request.Id.Value, index, _choices.Length);
                continue;
            }
            ChoiceProgress choice = _choices[index];
            if (choice.Finished) continue;

            if (reply is TokenChunk tokens)
            {
                ready.Clear();
                choice.Sequencer.Accept(tokens, ready);
                foreach (TokenChunk next in ready)
                {
                    choice.DeliveredTokens += next.TokenIds.Length;
                    choice.FinalChunkDelivered |= next.FinishReason is not null;
                    yield return new ReplyEvent(ReplyEventKind.Tokens, index, next, null);
                }
            }
            else if (reply is Completed completed)
            {
                choice.Completion ??= completed;
            }

            if (choice.TryFinish())
            {
                _open--;
                yield return new ReplyEvent(ReplyEventKind.Finished, index, null, choice.Billed());
            }
        }
        _settled = true;
    }

    /// <summary>Leaves the registry; cancels the request in the mesh unless it ended there.</summary>
    public async ValueTask DisposeAsync()
    {
        _registration.Dispose();
        if (_settled) return;
        string reason = _timedOut ? "deadline passed at the gateway" : "client disconnected";
        MessageEnvelope envelope = _request.Message.Envelope with { Attempt = _attempt };
        try
        {
            using var timeout = new CancellationTokenSource(CancelPublishTimeout);
            await _bus.PublishAsync(Topics.Cancellations, new CancelRequest(envelope, reason), timeout.Token);
            _logger.Cancelled(_request.Id.Value, reason);
        }
        catch (Exception ex) when (ex is MeshBusException or OperationCanceledException)
        {
            _logger.CancelNotPublished(ex, _request.Id.Value, reason);
        }
    }

    private async ValueTask<ReplyMessage> NextAsync(CancellationToken timeout, CancellationToken aborted)
    {
        try
        {
            return await _registration.Reader.ReadAsync(timeout);
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            _timedOut = true;
            OpenAiException error = OpenAiException.Timeout(_request.Id, _request.Message.Envelope.Deadline);
            _logger.RequestFailed(_request.Id.Value, error.StatusCode, error.Code, error.Message);
            throw error;
        }
    }

    /// <summary>Where one choice stands.</summary>
    private sealed class ChoiceProgress
    {
        /// <summary>Orders and deduplicates the choice's chunks.</summary>
        public readonly ChoiceSequencer Sequencer = new();

        /// <summary>The choice's completion, once it arrived.</summary>
        public Completed? Completion;

        /// <summary>Whether the chunk carrying the finish reason was yielded.</summary>
        public bool FinalChunkDelivered;

        /// <summary>Tokens yielded so far.</summary>
        public long DeliveredTokens;

        /// <summary>Whether <see cref="ReplyEventKind.Finished"/> was yielded.</summary>
        public bool Finished;

        /// <summary>
        /// The completion with at least the tokens the client was sent. A decode restarted from the prompt (its worker
        /// failed) and then cancelled reports only what the new attempt generated, possibly none, while the client
        /// already received the first attempt's tokens.
        /// </summary>
        public Completed Billed()
        {
            Completed done = Completion!;
            return DeliveredTokens > done.Usage.CompletionTokens
                ? done with { Usage = done.Usage with { CompletionTokens = (int)DeliveredTokens } }
                : done;
        }

        /// <summary>
        /// Complete once the completion arrived and the chunks are all through: the last chunk (the one with a
        /// finish reason) was yielded, or, for a choice without such a chunk, nothing waits on a gap and the
        /// yielded tokens reach the completion's count.
        /// </summary>
        public bool TryFinish()
        {
            if (Finished || Completion is null) return false;
            Finished = FinalChunkDelivered
                || (Sequencer.Waiting == 0 && DeliveredTokens >= Completion.Usage.CompletionTokens);
            return Finished;
        }
    }
}
