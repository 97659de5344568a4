using Mesh.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Mesh.KvCache;

/// <summary>Many blocks per request, as a stream of <see cref="KvFrameFormat"/> frames in either direction.</summary>
internal static class FrameEndpoints
{
    /// <summary>
    /// <c>PUT /kv/{fingerprint}/blocks</c>: stores frames as they arrive, each verified before it is stored; the
    /// body has no overall size limit (each block is limited by <see cref="KvCacheOptions.MaxBlockBytes"/>). A bad
    /// frame ends the request with its error; the blocks before it stay stored. 200 with <see cref="KvPutManyResult"/>.
    /// </summary>
    public static async Task<IResult> PutManyAsync(
        string fingerprint, HttpRequest request, TieredBlockStore store, IOptions<KvCacheOptions> options, CancellationToken cancellationToken)
    {
        BlockEndpoints.AllowBody(request.HttpContext, null);
        int limit = options.Value.MaxBlockBytes;
        byte[] header = new byte[KvFrameFormat.HeaderBytes];
        int count = 0;
        while (await KvFrameFormat.ReadHeaderAsync(request.Body, header, cancellationToken) is { } frame)
        {
            if (frame.Missing) throw new InvalidDataException($"Frame {count} (block {frame.Hash}) is marked missing; a put carries blocks.");
            if (frame.Length > limit) throw KvBlockTooLargeException.For(frame.Hash, frame.Length, limit);
            byte[] data = await KvFrameFormat.ReadPayloadAsync(request.Body, frame, cancellationToken);
            ulong actual = BlockChecksum.Compute(data);
            if (actual != frame.Checksum) throw KvChecksumException.Mismatch(fingerprint, frame.Hash, frame.Checksum, actual);
            await store.PutOwnedAsync(new KvKey(fingerprint, frame.Hash), data, frame.Parent);
            count++;
        }
        return TypedResults.Json(new KvPutManyResult(count), KvCacheJsonContext.Default.KvPutManyResult);
    }

    /// <summary>
    /// <c>POST /kv/{fingerprint}/blocks/fetch</c> with a <see cref="KvChainRequest"/>: one frame per requested
    /// hash, in order, written as each block is read (a missing block is a frame flagged missing).
    /// </summary>
    public static async Task FetchAsync(
        string fingerprint, KvChainRequest chain, HttpResponse response, TieredBlockStore store, CancellationToken cancellationToken)
    {
        response.ContentType = KvHttp.FramesContentType;
        byte[] header = new byte[KvFrameFormat.HeaderBytes];
        foreach (BlockHash hash in chain.Blocks)
        {
            KvBlock? found = await store.TryGetBlockAsync(new KvKey(fingerprint, hash));
            KvFrame frame = found is { } block
                ? new KvFrame(hash, block.Parent, BlockChecksum.Compute(block.Data.Span), block.Data.Length)
                : new KvFrame(hash, null, 0, 0, Missing: true);
            KvFrameFormat.Write(header, frame);
            await response.Body.WriteAsync(header, cancellationToken);
            if (found is { } payload) await response.Body.WriteAsync(payload.Data, cancellationToken);
        }
    }
}
