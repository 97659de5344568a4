using Mesh.Contracts;

namespace Mesh.Contracts.Tests;

/// <summary>
/// One instance of every wire record, every member set to a non-default value, so a member that does not
/// survive JSON shows up as a difference.
/// </summary>
internal static class WireSamples
{
    public static readonly DateTimeOffset Deadline = new(2025, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2));

    public static readonly MessageEnvelope Envelope = new(new RequestId("req-42"), 3, Priority.Offline, Deadline, new TenantId("acme"));

    public static readonly SamplingParameters Sampling = new(
        MaxTokens: 77,
        Temperature: 0.7f,
        TopP: 0.9f,
        TopK: 40,
        MinP: 0.05f,
        RepetitionPenalty: 1.1f,
        PresencePenalty: 0.25f,
        FrequencyPenalty: -0.5f,
        Seed: -1234567890123L,
        Stop: ["\n\n", "###"],
        StopTokenIds: [2, 128009],
        IgnoreEos: true,
        Logprobs: true,
        TopLogprobs: 3,
        N: 2);

    public static readonly MediaRef Media = new("sha256:ab12", "image/png", "blob://media/ab12");
    public static readonly KvLayout Layout = new(KvDType.Bf16, 16, 32, 8, 128);

    public static readonly KvRef Kv = new(
        "llama-3-8b:9f1c",
        Layout,
        [new BlockHash(0x0123456789abcdefUL), new BlockHash(ulong.MaxValue), new BlockHash(1)],
        41,
        new WorkerId("prefill-0"),
        KvTier.Ram,
        Deadline.AddMinutes(5),
        "xxh64:00ff00ff00ff00ff");

    public static readonly SampledToken Token = new(
        9906, -0.25f, [new TopLogprob(9906, -0.25f, " Hello", " Hello"u8.ToArray()), new TopLogprob(13, float.NegativeInfinity, "\uFFFD")], " Hello", " Hello"u8.ToArray());

    /// <summary>Every sample, with the type it is serialized as.</summary>
    public static IEnumerable<(Type Declared, object Value)> All()
    {
        yield return (typeof(MessageEnvelope), Envelope);
        yield return (typeof(SamplingParameters), Sampling);
        yield return (typeof(MediaRef), Media);
        yield return (typeof(ChatMessage), new ChatMessage("user", "What is in the image?", [Media]));
        yield return (typeof(TextPrompt), new TextPrompt("Once upon a time"));
        yield return (typeof(ChatPrompt), new ChatPrompt([new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi", [Media])]));
        yield return (typeof(TokenPrompt), new TokenPrompt([1, 15043, 3186]));
        yield return (typeof(Prompt), new TextPrompt("polymorphic text"));
        yield return (typeof(Prompt), new ChatPrompt([new ChatMessage("user", "polymorphic chat")]));
        yield return (typeof(Prompt), new TokenPrompt([7, 8, 9]));
        yield return (typeof(InferenceRequest), new InferenceRequest(Envelope, "llama-3-8b", new ChatPrompt([new ChatMessage("user", "Hi")]), Sampling, "mesh.replies.gw-1", true,
            new ServiceTargets(TtftMs: 250, TpotMs: 40)));
        yield return (typeof(ServiceTargets), new ServiceTargets(TtftMs: 1500.5));
        yield return (typeof(CancelRequest), new CancelRequest(Envelope, "client disconnected"));
        yield return (typeof(CancelRequest), new CancelRequest(Envelope, "preempted for online work", ChoiceIndex: 2, Suspend: true));
        yield return (typeof(EncodeTask), new EncodeTask(Envelope, "llava", 2, Media));
        yield return (typeof(EncodeDone), new EncodeDone(Envelope, 2, "sha256:ab12", 576, "kvcache://emb/ab12", new WorkerId("encode-1")));
        yield return (typeof(PrefillTask), new PrefillTask(Envelope, "llama-3-8b", [1, 2, 3, 4], Sampling, Kv));
        yield return (typeof(PrefillTask), new PrefillTask(Envelope, "llama-3-8b", [1], new SamplingParameters()));
        yield return (typeof(PrefillDone), new PrefillDone(Envelope, Kv, Token, 41, 32, new WorkerId("prefill-0")));
        yield return (typeof(DecodeTask), new DecodeTask(Envelope, "llama-3-8b", Kv, Token, 17, Sampling, "mesh.replies.gw-1", [5, 6], 4, 41, 32, 1));
        yield return (typeof(DecodeTask), new DecodeTask(Envelope, "llama-3-8b", Kv, null, 0, Sampling, "mesh.replies.gw-1", [], 0, 41, 32, 2));
        yield return (typeof(DecodeCheckpoint), new DecodeCheckpoint(Envelope, 1, Kv, [9906, 13, 42], 3, new WorkerId("decode-2"), Suspended: true));
        yield return (typeof(SampledToken), Token);
        yield return (typeof(TopLogprob), new TopLogprob(42, -3.5f, "é", [0xC3, 0xA9]));
        yield return (typeof(TokenChunk), new TokenChunk(Envelope, 1, 12, [271, 3923], " world", [Token, Token], FinishReason.Length));
        yield return (typeof(Completed), new Completed(Envelope, 1, FinishReason.Stop, new Usage(41, 12, 32)));
        yield return (typeof(Failed), new Failed(Envelope, FailureCodes.KvMismatch, "layout differs", true, new WorkerId("decode-3"), ChoiceIndex: 1));
        yield return (typeof(Failed), new Failed(Envelope, FailureCodes.Overloaded, "first token too late", true, RetryAfterSeconds: 2.5));
        yield return (typeof(Usage), new Usage(10, 20, 5));
        yield return (typeof(ReplyMessage), new TokenChunk(Envelope, 0, 0, [1], "a"));
        yield return (typeof(ReplyMessage), new Completed(Envelope, 0, FinishReason.Cancelled, new Usage(1, 2, 0)));
        yield return (typeof(ReplyMessage), new Failed(Envelope, FailureCodes.DeadlineExceeded, "too late", false));
        yield return (typeof(KvLayout), Layout);
        yield return (typeof(KvRef), Kv);
        yield return (typeof(KvBlocksStored), new KvBlocksStored(new WorkerId("kv-0"), 7, Deadline, "llama-3-8b:9f1c", KvTier.Disk, [new BlockHash(6), new BlockHash(7)], new BlockHash(5)));
        yield return (typeof(KvBlocksRemoved), new KvBlocksRemoved(new WorkerId("kv-0"), 8, Deadline, KvTier.Redis, [new BlockHash(6)]));
        yield return (typeof(KvCacheCleared), new KvCacheCleared(new WorkerId("kv-0"), 9, Deadline));
        yield return (typeof(KvEvent), new KvBlocksStored(new WorkerId("kv-1"), 1, Deadline, "m", KvTier.Device, [new BlockHash(1)]));
        yield return (typeof(KvEvent), new KvBlocksRemoved(new WorkerId("kv-1"), 2, Deadline, KvTier.Blob, [new BlockHash(1)]));
        yield return (typeof(KvEvent), new KvCacheCleared(new WorkerId("kv-1"), 3, Deadline));
        yield return (typeof(RoleQueueDepth), new RoleQueueDepth(WorkerRole.Decode, 4, 30));
        yield return (typeof(WorkerLoadReport), new WorkerLoadReport(
            new WorkerId("gpu-3"),
            [WorkerRole.Prefill, WorkerRole.Decode],
            [new RoleQueueDepth(WorkerRole.Prefill, 2, 1), new RoleQueueDepth(WorkerRole.Decode, 0, 31)],
            32,
            1200,
            4096,
            Deadline,
            Deadline.AddSeconds(10),
            MaxSequences: 32,
            Draining: true,
            Model: "llama-3-8b",
            ModelFingerprint: "llama-3-8b:9f1c",
            Capabilities: [WorkerRole.Prefill, WorkerRole.Decode]));
        yield return (typeof(RoleAssignment), new RoleAssignment(new WorkerId("gpu-3"), [WorkerRole.Prefill], "prompts piling up", Deadline));
    }
}
