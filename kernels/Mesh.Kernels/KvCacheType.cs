namespace Mesh.Kernels;

/// <summary>Element type of the paged KV cache. F32 keeps K and V exactly as the forward pass computed
/// them; F16 stores each as an IEEE half (rounded to nearest even), halving the cache's memory and the
/// bytes attention reads per position, and widens them back to F32 (exactly) as attention reads them.</summary>
public enum KvCacheType
{
    /// <summary>32-bit float: 4 bytes per element.</summary>
    F32,
    /// <summary>IEEE half: 2 bytes per element.</summary>
    F16,
}

public static class KvCacheTypes
{
    /// <summary>Bytes one K or V element takes in the pool.</summary>
    public static int ElementBytes(this KvCacheType type) => type switch
    {
        KvCacheType.F32 => sizeof(float),
        KvCacheType.F16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "the KV cache holds F32 or F16"),
    };
}
