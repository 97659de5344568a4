using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using Mesh.Contracts;

namespace Mesh.KvCache;

/// <summary>
/// <see cref="IKvBlockStore"/> over a kvcache service's HTTP data plane. Bytes are streamed both ways and
/// verified against their xxHash64 on arrival: corrupt bytes raise <see cref="KvChecksumException"/>, never
/// return. The caller owns <paramref name="http"/> and sets its <see cref="HttpClient.BaseAddress"/>; its
/// <see cref="HttpClient.DefaultRequestVersion"/> and <see cref="HttpClient.DefaultVersionPolicy"/> apply to every
/// request (2.0 with <see cref="HttpVersionPolicy.RequestVersionExact"/> speaks h2c with prior knowledge).
/// </summary>
/// <remarks>
/// Errors: 422 → <see cref="KvChecksumException"/>, 507 → <see cref="KvCapacityException"/>, 413 →
/// <see cref="KvBlockTooLargeException"/>, any other failure → <see cref="KvRemoteException"/> with the
/// service's error code. A GET that finds nothing (404) is a miss, not an error.
/// </remarks>
public sealed class KvCacheHttpClient(HttpClient http) : IKvBlockStore
{
    private static KvCacheJsonContext Json => KvCacheJsonContext.Default;

    /// <inheritdoc />
    public async ValueTask<KvTier> PutAsync(
        string fingerprint, BlockHash hash, ReadOnlyMemory<byte> data, BlockHash? parent = null, CancellationToken cancellationToken = default)
    {
        using HttpRequestMessage request = Request(HttpMethod.Put, BlockPath(fingerprint, hash));
        request.Headers.Add(KvHttp.ChecksumHeader, BlockChecksum.Format(BlockChecksum.Compute(data.Span)));
        if (parent is { } before) request.Headers.Add(KvHttp.ParentHeader, before.ToString());
        request.Content = new ReadOnlyMemoryContent(data);
        request.Content.Headers.ContentType = new(KvHttp.BlockContentType);
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return (await ReadJsonAsync(response, Json.KvPutResult, hash, cancellationToken).ConfigureAwait(false)).Tier;
    }

    /// <inheritdoc />
    public async ValueTask<int> PutManyAsync(string fingerprint, IAsyncEnumerable<KvBlock> blocks, CancellationToken cancellationToken = default)
    {
        using HttpRequestMessage request = Request(HttpMethod.Put, KvHttp.ModelPath(Checked(fingerprint)) + "/blocks");
        request.Content = new KvFrameContent(blocks);
        request.Content.Headers.ContentType = new(KvHttp.FramesContentType);
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return (await ReadJsonAsync(response, Json.KvPutManyResult, null, cancellationToken).ConfigureAwait(false)).Blocks;
    }

    /// <inheritdoc />
    public async ValueTask<ReadOnlyMemory<byte>?> TryGetAsync(string fingerprint, BlockHash hash, CancellationToken cancellationToken = default)
    {
        using HttpRequestMessage request = Request(HttpMethod.Get, BlockPath(fingerprint, hash));
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await ThrowIfFailedAsync(response, hash, cancellationToken).ConfigureAwait(false);

        long length = response.Content.Headers.ContentLength
                      ?? throw new KvCacheException($"kvcache sent block {hash} without Content-Length.");
        if (!BlockChecksum.TryParse(HeaderValue(response, KvHttp.ChecksumHeader), out ulong expected))
            throw new KvCacheException($"kvcache sent block {hash} without a valid {KvHttp.ChecksumHeader} header.");
        byte[] data = new byte[length];
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false)) await body.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
        ulong actual = BlockChecksum.Compute(data);
        if (actual != expected) throw KvChecksumException.Mismatch(fingerprint, hash, expected, actual);
        return data;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<KvBlock> GetManyAsync(
        string fingerprint, IReadOnlyList<BlockHash> hashes, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using HttpRequestMessage request = Request(HttpMethod.Post, KvHttp.ModelPath(Checked(fingerprint)) + "/blocks/fetch");
        request.Content = JsonContent.Create(new KvChainRequest([.. hashes]), Json.KvChainRequest);
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        await ThrowIfFailedAsync(response, null, cancellationToken).ConfigureAwait(false);

        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            byte[] header = new byte[KvFrameFormat.HeaderBytes];
            while (await KvFrameFormat.ReadHeaderAsync(body, header, cancellationToken).ConfigureAwait(false) is { } frame)
            {
                if (frame.Missing) continue;
                byte[] data = await KvFrameFormat.ReadPayloadAsync(body, frame, cancellationToken).ConfigureAwait(false);
                ulong actual = BlockChecksum.Compute(data);
                if (actual != frame.Checksum) throw KvChecksumException.Mismatch(fingerprint, frame.Hash, frame.Checksum, actual);
                yield return new KvBlock(frame.Hash, data, frame.Parent);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<int> LookupPrefixAsync(string fingerprint, IReadOnlyList<BlockHash> chain, CancellationToken cancellationToken = default)
    {
        KvLookupResult result = await PostJsonAsync(
            fingerprint, "/lookup", new KvChainRequest([.. chain]), Json.KvChainRequest, Json.KvLookupResult, cancellationToken).ConfigureAwait(false);
        return result.Cached;
    }

    /// <inheritdoc />
    public ValueTask<KvLease> LeaseAsync(
        string fingerprint, IReadOnlyList<BlockHash> chain, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        PostJsonAsync(fingerprint, "/lease", new KvLeaseRequest([.. chain], ttl), Json.KvLeaseRequest, Json.KvLease, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<bool> ReleaseAsync(KvLease lease, CancellationToken cancellationToken = default)
    {
        KvReleaseResult result = await PostJsonAsync(
            lease.Fingerprint, "/release", new KvReleaseRequest(lease.Id), Json.KvReleaseRequest, Json.KvReleaseResult, cancellationToken).ConfigureAwait(false);
        return result.Released;
    }

    /// <inheritdoc />
    public async ValueTask<KvStoreStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        using HttpRequestMessage request = Request(HttpMethod.Get, KvHttp.StatsPath);
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, Json.KvStoreStats, null, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<TResult> PostJsonAsync<TRequest, TResult>(
        string fingerprint, string route, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResult> resultType,
        CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = Request(HttpMethod.Post, KvHttp.ModelPath(Checked(fingerprint)) + route);
        request.Content = JsonContent.Create(body, requestType);
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, resultType, null, cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage Request(HttpMethod method, string path) =>
        new(method, path) { Version = http.DefaultRequestVersion, VersionPolicy = http.DefaultVersionPolicy };

    private static string BlockPath(string fingerprint, BlockHash hash) => $"{KvHttp.ModelPath(Checked(fingerprint))}/blocks/{hash}";

    private static string Checked(string fingerprint)
    {
        KvFingerprint.Validate(fingerprint);
        return fingerprint;
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;

    private static async ValueTask<T> ReadJsonAsync<T>(
        HttpResponseMessage response, JsonTypeInfo<T> type, BlockHash? block, CancellationToken cancellationToken)
    {
        await ThrowIfFailedAsync(response, block, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
               ?? throw new KvCacheException($"kvcache answered {(int)response.StatusCode} with an empty body.");
    }

    /// <summary>Maps a failed answer to the typed exception of its error code.</summary>
    private static async ValueTask ThrowIfFailedAsync(HttpResponseMessage response, BlockHash? block, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        KvError error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        throw error.Code switch
        {
            KvErrors.ChecksumMismatch => new KvChecksumException(block, "kvcache rejected the bytes: " + error.Message),
            KvErrors.Capacity => new KvCapacityException(error.Message),
            KvErrors.BlockTooLarge => new KvBlockTooLargeException(error.Message),
            _ => new KvRemoteException((int)response.StatusCode, error.Code, error.Message),
        };
    }

    private static async ValueTask<KvError> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (System.Text.Json.JsonSerializer.Deserialize(text, Json.KvError) is { } error) return error;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not the data plane's error body (a proxy, or the framework rejected the request): keep the text.
        }
        return new KvError("http_" + (int)response.StatusCode, text.Length > 0 ? text : response.ReasonPhrase ?? "");
    }
}
