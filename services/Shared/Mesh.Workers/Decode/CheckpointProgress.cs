using System.IO.Hashing;
using Mesh.KvCache;

namespace Mesh.Workers.Decode;

/// <summary>
/// What a decode stream's checkpoints have saved so far: the running checksum over its full KV blocks (a checkpoint's
/// checksum covers every block from the first, and full blocks never change, so each checkpoint appends only the new
/// ones) and the KV-cache lease pinning the latest checkpoint. Touched only by the reply publisher's loop.
/// </summary>
internal sealed class CheckpointProgress
{
    /// <summary>Checksum over the first <see cref="BlocksHashed"/> blocks.</summary>
    public XxHash64 Checksum { get; } = new();

    /// <summary>Full blocks in <see cref="Checksum"/>.</summary>
    public int BlocksHashed { get; set; }

    /// <summary>The latest checkpoint is a suspension: its lease is kept for the resume.</summary>
    public bool Suspended { get; set; }

    /// <summary>Lease on the latest checkpoint's blocks and manifest; released when a newer one is taken or the stream ends.</summary>
    public KvLease? Lease { get; set; }
}
