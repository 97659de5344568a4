namespace Mesh.Workers.Kv;

/// <summary>
/// A KV reference does not fit this worker (model fingerprint, layout, block size, checksum, missing blocks or
/// token manifest). Never used: the stage fails with <c>kv_mismatch</c> and the scheduler recomputes.
/// </summary>
public sealed class KvMismatchException(string message) : Exception(message);
