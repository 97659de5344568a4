using System.Buffers.Binary;
using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>Header of one frame of a multi-block stream; <see cref="Length"/> payload bytes follow it.</summary>
/// <param name="Hash">The block.</param>
/// <param name="Parent">The block before it in its chain, when known.</param>
/// <param name="Checksum">xxHash64 of the payload (0 when missing).</param>
/// <param name="Length">Payload bytes (0 when missing).</param>
/// <param name="Missing">Fetch responses only: the store does not hold the block; no payload follows.</param>
internal readonly record struct KvFrame(BlockHash Hash, BlockHash? Parent, ulong Checksum, long Length, bool Missing = false);

/// <summary>
/// Multi-block bodies (<see cref="KvHttp.FramesContentType"/>): frames back to back until the end of the body,
/// each a 40-byte little-endian header and the payload. Blocks are verified one by one as they arrive, so a
/// stream of any length is held one block at a time.
/// <code>
/// [0..4)   magic "MKVF"
/// [4..8)   flags: bit 0 = parent present, bit 1 = missing (fetch responses)
/// [8..16)  block hash
/// [16..24) parent hash (0 when absent)
/// [24..32) xxHash64 of the payload
/// [32..40) payload length
/// </code>
/// </summary>
internal static class KvFrameFormat
{
    public const int HeaderBytes = 40;
    private const uint Magic = 0x46564B4D; // "MKVF" little-endian
    private const uint HasParent = 1;
    private const uint IsMissing = 2;

    public static void Write(Span<byte> header, in KvFrame frame)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (frame.Parent is null ? 0 : HasParent) | (frame.Missing ? IsMissing : 0));
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], frame.Hash.Value);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], frame.Parent?.Value ?? 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], frame.Checksum);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], frame.Length);
    }

    /// <exception cref="InvalidDataException">Not a frame header.</exception>
    public static KvFrame Read(ReadOnlySpan<byte> header)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
            throw new InvalidDataException("KV frame header does not start with MKVF: the stream is not a frame stream or lost its framing.");
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        long length = BinaryPrimitives.ReadInt64LittleEndian(header[32..]);
        if (length < 0 || ((flags & IsMissing) != 0 && length != 0))
            throw new InvalidDataException($"KV frame header has an impossible payload length {length}.");
        return new KvFrame(
            new BlockHash(BinaryPrimitives.ReadUInt64LittleEndian(header[8..])),
            (flags & HasParent) != 0 ? new BlockHash(BinaryPrimitives.ReadUInt64LittleEndian(header[16..])) : null,
            BinaryPrimitives.ReadUInt64LittleEndian(header[24..]),
            length,
            (flags & IsMissing) != 0);
    }

    /// <summary>The next frame header, or null at a clean end of stream.</summary>
    /// <exception cref="InvalidDataException">The stream ended inside a header, or the header is malformed.</exception>
    public static async ValueTask<KvFrame?> ReadHeaderAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        int read = await stream.ReadAtLeastAsync(buffer.AsMemory(0, HeaderBytes), HeaderBytes, throwOnEndOfStream: false, cancellationToken)
            .ConfigureAwait(false);
        if (read == 0) return null;
        if (read < HeaderBytes) throw new InvalidDataException($"KV frame stream ended {read} bytes into a {HeaderBytes}-byte header.");
        return Read(buffer);
    }

    /// <summary>Reads a frame's payload into a new array of exactly its length.</summary>
    /// <exception cref="InvalidDataException">The stream ended inside the payload.</exception>
    public static async ValueTask<byte[]> ReadPayloadAsync(Stream stream, KvFrame frame, CancellationToken cancellationToken)
    {
        byte[] payload = new byte[frame.Length];
        try
        {
            await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"KV frame stream ended inside block {frame.Hash} ({frame.Length} bytes).", ex);
        }
        return payload;
    }
}
