using Mesh.Contracts;

namespace Mesh.Bus.Tests;

/// <summary>Small real contract messages for bus tests.</summary>
internal static class Messages
{
    public static MessageEnvelope Envelope(string requestId, int attempt = 0) =>
        new(new RequestId(requestId), attempt, Priority.Online, new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), new TenantId("t1"));

    public static CancelRequest Cancel(string requestId, string reason = "test") => new(Envelope(requestId), reason);

    public static DecodeCheckpoint Checkpoint(string requestId, int tokens, bool suspended) =>
        new(Envelope(requestId), 0, new KvRef("m:1", new KvLayout(KvDType.F16, 16, 2, 2, 8), [new BlockHash(0xfeed)], 16 + tokens - 1,
            new WorkerId("decode-0"), KvTier.Ram, DateTimeOffset.UnixEpoch.AddHours(1), "xxh64:1"), [.. Enumerable.Range(1, tokens)], tokens,
            new WorkerId("decode-0"), suspended);

    public static PrefillTask Prefill(string requestId, int attempt = 0) =>
        new(Envelope(requestId, attempt), "tiny", [1, 2, 3], new SamplingParameters(MaxTokens: 4, Seed: 7));
}
