namespace Mesh.Contracts;

/// <summary>
/// A request to generate, as the gateway or an external client submits it on <see cref="Topics.Requests"/>.
/// Results arrive on <see cref="ReplyTopic"/> as <see cref="ReplyMessage"/>s.
/// </summary>
/// <param name="Envelope">Request id (attempt 0), priority, deadline, tenant.</param>
/// <param name="Model">Served model name, as in <c>/v1/models</c>.</param>
/// <param name="Prompt">Text, chat messages or token ids.</param>
/// <param name="Sampling">Sampling parameters, including <c>n</c>.</param>
/// <param name="ReplyTopic">Topic that receives token chunks and the final completed/failed message.</param>
/// <param name="Stream">True: one <see cref="TokenChunk"/> per decode step. False: one chunk with all tokens before <see cref="Completed"/>.</param>
/// <param name="Targets">TTFT/TPOT targets of an online request; null = the served model's defaults.</param>
public sealed record InferenceRequest(
    MessageEnvelope Envelope,
    string Model,
    Prompt Prompt,
    SamplingParameters Sampling,
    string ReplyTopic,
    bool Stream,
    ServiceTargets? Targets = null) : IRequestMessage;
