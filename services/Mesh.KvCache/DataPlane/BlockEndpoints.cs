using Mesh.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Mesh.KvCache;

/// <summary>One block per request: the body is the block's bytes, checksummed in <see cref="KvHttp.ChecksumHeader"/>.</summary>
internal static class BlockEndpoints
{
    /// <summary>
    /// <c>PUT /kv/{fingerprint}/blocks/{hash}</c>: reads the body (Content-Length required) straight into the
    /// array the store keeps, verifies it against the checksum header, stores it. 200 with <see cref="KvPutResult"/>.
    /// </summary>
    public static async Task<IResult> PutAsync(
        string fingerprint, string hash, HttpRequest request, TieredBlockStore store, IOptions<KvCacheOptions> options, CancellationToken cancellationToken)
    {
        if (!KvFingerprint.TryParseHash(hash, out BlockHash blockHash)) return InvalidHash(hash);
        if (!TryReadParent(request, out BlockHash? parent)) return InvalidHash(request.Headers[KvHttp.ParentHeader].ToString());
        if (!BlockChecksum.TryParse(request.Headers[KvHttp.ChecksumHeader], out ulong expected))
            return KvErrors.Result(
                StatusCodes.Status400BadRequest, KvErrors.ChecksumRequired, $"Header {KvHttp.ChecksumHeader}: {BlockChecksum.Prefix}<16 hex digits> is required.");
        if (request.ContentLength is not { } length)
            return KvErrors.Result(StatusCodes.Status411LengthRequired, KvErrors.LengthRequired, "A block PUT needs Content-Length.");
        if (length > options.Value.MaxBlockBytes) throw KvBlockTooLargeException.For(blockHash, length, options.Value.MaxBlockBytes);

        AllowBody(request.HttpContext, length);
        byte[] data = new byte[length];
        await request.Body.ReadExactlyAsync(data, cancellationToken);
        ulong actual = BlockChecksum.Compute(data);
        if (actual != expected) throw KvChecksumException.Mismatch(fingerprint, blockHash, expected, actual);
        KvTier tier = await store.PutOwnedAsync(new KvKey(fingerprint, blockHash), data, parent);
        return TypedResults.Json(new KvPutResult(tier), KvCacheJsonContext.Default.KvPutResult);
    }

    /// <summary><c>GET /kv/{fingerprint}/blocks/{hash}</c>: 200 with the bytes (written from the store's memory, no copy), or 404.</summary>
    public static async Task<IResult> GetAsync(string fingerprint, string hash, HttpResponse response, TieredBlockStore store)
    {
        if (!KvFingerprint.TryParseHash(hash, out BlockHash blockHash)) return InvalidHash(hash);
        if (await store.TryGetBlockAsync(new KvKey(fingerprint, blockHash)) is not { } block)
            return KvErrors.Result(StatusCodes.Status404NotFound, KvErrors.NotFound, $"No KV block {blockHash} of '{fingerprint}' is held.");
        response.Headers[KvHttp.ChecksumHeader] = BlockChecksum.Format(BlockChecksum.Compute(block.Data.Span));
        if (block.Parent is { } parent) response.Headers[KvHttp.ParentHeader] = parent.ToString();
        return TypedResults.Bytes(block.Data, KvHttp.BlockContentType);
    }

    /// <summary>Lifts the server's default request body limit to what this request may carry (null: frames are checked one by one).</summary>
    public static void AllowBody(HttpContext http, long? limit)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;
    }

    private static bool TryReadParent(HttpRequest request, out BlockHash? parent)
    {
        parent = null;
        string? text = request.Headers[KvHttp.ParentHeader];
        if (string.IsNullOrEmpty(text)) return true;
        if (!KvFingerprint.TryParseHash(text, out BlockHash value)) return false;
        parent = value;
        return true;
    }

    private static IResult InvalidHash(string text) =>
        KvErrors.Result(StatusCodes.Status400BadRequest, KvErrors.InvalidHash, $"'{text}' is not a block hash (1 to 16 hex digits).");
}
