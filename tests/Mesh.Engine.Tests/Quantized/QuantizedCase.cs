using LLama.Native;
using Mesh.Engine.Model;
using Mesh.Engine.Tests.Parity;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Quantized;

/// <summary>One llama.cpp quantisation of a random F32 model, checked against llama.cpp on the quantised
/// file, and the tensor types the file must hold.</summary>
public sealed record QuantizedCase(string Name, LLamaFtype Ftype, ModelCreateOptions Options, TensorType[] Types)
{
    /// <summary>The smallest Llama shape whose matrices are whole K-quant super-blocks (rows of 256).</summary>
    private static readonly ModelCreateOptions Shape = ModelCreateOptions.Preset("tiny") with { Dim = 256, FfnDim = 512, Heads = 4, KvHeads = 2 };

    // Tolerances on last-position logits (std ≈ 2); "measured" is the worst of the 4 parity prompts over
    // all cases.

    /// <summary>F32 activations: llama.cpp rounds activations to Q8_0 (Q8_0, Q4_0 weights) or Q8_K
    /// (K-quants) blocks before every product, Mesh does not; the distance is llama.cpp's activation
    /// rounding. Measured ≤ 0.34, NMSE ≤ 3.0e-3.</summary>
    public static readonly LogitTolerance ExactMode = new(0.6, 6e-3);

    /// <summary>Activations quantised as llama.cpp quantises them (same quants, same scales): typically
    /// ≤ 3.4e-6 (NMSE ≤ 2.5e-13), float summation order only; now and then one activation lying within
    /// an ulp of a rounding boundary (the two sides' inputs differ by ulps) rounds the other way,
    /// measured ≤ 0.12, NMSE ≤ 1.9e-4.</summary>
    public static readonly LogitTolerance QuantisedMode = new(0.25, 5e-4);

    public static readonly QuantizedCase[] All =
    [
        new("q8_0-untied", LLamaFtype.MOSTLY_Q8_0, Shape with { Seed = 20, TiedEmbeddings = false }, [TensorType.Q8_0]),
        new("q4_0-tied", LLamaFtype.MOSTLY_Q4_0, Shape with { Seed = 21 }, [TensorType.Q4_0, TensorType.Q6_K]),
        new("q4_k_m-untied", LLamaFtype.MOSTLY_Q4_K_M, Shape with { Seed = 22, TiedEmbeddings = false }, [TensorType.Q4_K, TensorType.Q6_K]),
        new("q5_k_m-tied", LLamaFtype.MOSTLY_Q5_K_M, Shape with { Seed = 23 }, [TensorType.Q5_K, TensorType.Q6_K]),
        new("q6_k-untied", LLamaFtype.MOSTLY_Q6_K, Shape with { Seed = 24, TiedEmbeddings = false }, [TensorType.Q6_K]),
    ];

    public static QuantizedCase Named(string name) => All.Single(c => c.Name == name);

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in All) data.Add(c.Name);
        return data;
    }

    public override string ToString() => Name;
}

/// <summary>Largest max-abs and NMSE distance of Mesh's logits from llama.cpp's.</summary>
public sealed record LogitTolerance(double MaxAbs, double Nmse)
{
    internal void AssertWithin(LogitDistance d, string what) =>
        Assert.True(d.MaxAbs <= MaxAbs && d.Nmse <= Nmse, $"{what}: {d} exceeds max-abs {MaxAbs:G3}, NMSE {Nmse:G3}");
}
