using Microsoft.Extensions.Options;

namespace Mesh.KvCache;

/// <summary>Rejects settings the store cannot run with, at startup rather than on the first block.</summary>
internal sealed class KvCacheOptionsValidator : IValidateOptions<KvCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, KvCacheOptions options)
    {
        List<string> failures = [];
        if (options.RamBytes < 0) failures.Add($"KvCache:RamBytes must be ≥ 0, found {options.RamBytes}.");
        if (options.RamBytes == 0 && string.IsNullOrWhiteSpace(options.Redis))
            failures.Add("KvCache:RamBytes is 0 and KvCache:Redis is not set: the cache could hold nothing.");
        if (options.BlockTtl is { } ttl && ttl <= TimeSpan.Zero)
            failures.Add($"KvCache:BlockTtl must be positive or unset, found {ttl}.");
        if (options.LeaseDefault <= TimeSpan.Zero)
            failures.Add($"KvCache:LeaseDefault must be positive, found {options.LeaseDefault}.");
        if (options.LeaseMax < options.LeaseDefault)
            failures.Add($"KvCache:LeaseMax ({options.LeaseMax}) must be ≥ KvCache:LeaseDefault ({options.LeaseDefault}).");
        if (options.MaxBlockBytes <= 0) failures.Add($"KvCache:MaxBlockBytes must be positive, found {options.MaxBlockBytes}.");
        if (options.H2cUrl is { } h2c && !string.IsNullOrWhiteSpace(h2c)
            && !(Uri.TryCreate(h2c, UriKind.Absolute, out Uri? uri) && uri.Scheme == Uri.UriSchemeHttp))
            failures.Add($"KvCache:H2cUrl must be an http:// URL (h2c is cleartext), found '{h2c}'.");
        if (options.EventQueueCapacity <= 0)
            failures.Add($"KvCache:EventQueueCapacity must be positive, found {options.EventQueueCapacity}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
