namespace Mesh.KvCache;

/// <summary>Names the data plane's server and client share: headers, media types, routes.</summary>
public static class KvHttp
{
    /// <summary>Checksum of a single block's body, <c>xxh64:</c> and 16 hex digits; required on PUT, sent on GET.</summary>
    public const string ChecksumHeader = "X-Mesh-Checksum";

    /// <summary>Hash of the block before this one in its chain (16 hex digits); optional on PUT, sent on GET when known.</summary>
    public const string ParentHeader = "X-Mesh-Parent";

    /// <summary>A single block's body.</summary>
    public const string BlockContentType = "application/octet-stream";

    /// <summary>A stream of length-prefixed block frames (<see cref="KvFrameFormat"/>).</summary>
    public const string FramesContentType = "application/vnd.mesh.kv-frames";

    /// <summary>Route of the service's counters.</summary>
    public const string StatsPath = "/kv/stats";

    /// <summary>Route prefix of one model's blocks.</summary>
    public static string ModelPath(string fingerprint) => "/kv/" + Uri.EscapeDataString(fingerprint);
}
