namespace Mesh.Engine.Tests.Parity;

/// <summary>A deliberate mistake, named for the engine bug it imitates.</summary>
public enum EngineMistake
{
    /// <summary>Q/K rows of each head put in rotate-half order: RoPE pairs (i, i+d/2) instead of (2i, 2i+1).</summary>
    RopePairing,
    /// <summary>K/V heads reversed: query heads read the wrong KV head (GQA mapping).</summary>
    KvHeadMapping,
    /// <summary>ffn_gate and ffn_up exchanged: SiLU applied to the wrong projection.</summary>
    GateUpSwapped,
    /// <summary>RoPE base 10000 → 500000: the rotation frequencies misread.</summary>
    RopeTheta,
    /// <summary>Layer RMSNorm gains (attn_norm, ffn_norm; 1 ± 0.02 in the random models) set to 1:
    /// the norms' weights not applied.</summary>
    LayerNormGainIgnored,
}
