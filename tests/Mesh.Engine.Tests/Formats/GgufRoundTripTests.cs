using Mesh.Engine.Formats.Gguf;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Formats;

public class GgufRoundTripTests
{
    private static readonly Dictionary<string, object> AllTypes = new()
    {
        ["t.u8"] = (byte)200,
        ["t.i8"] = (sbyte)-100,
        ["t.u16"] = (ushort)60000,
        ["t.i16"] = (short)-30000,
        ["t.u32"] = 4_000_000_000u,
        ["t.i32"] = -2_000_000_000,
        ["t.f32"] = 3.25f,
        ["t.bool"] = true,
        ["t.string"] = "héllo ▁wörld",
        ["t.u64"] = ulong.MaxValue,
        ["t.i64"] = long.MinValue,
        ["t.f64"] = Math.PI,
        ["t.arr.u8"] = new byte[] { 1, 2, 255 },
        ["t.arr.i32"] = new[] { -1, 0, 7 },
        ["t.arr.f32"] = new[] { 0.5f, -1.5f },
        ["t.arr.bool"] = new[] { true, false },
        ["t.arr.string"] = new[] { "a", "", "<0x0A>" },
        ["t.arr.f64"] = new[] { 1e300, -2.0 },
        ["t.arr.u64"] = new ulong[] { 1, ulong.MaxValue },
        ["t.arr.empty"] = Array.Empty<int>(),
        ["t.arr.nested"] = new[] { new GgufArray(GgufValueType.Int16, new short[] { 1, -2 }), new GgufArray(GgufValueType.String, new[] { "x" }) },
    };

    [Fact]
    public void Metadata_of_every_type_and_tensors_read_back_exactly()
    {
        using var dir = new TempFolder();
        string path = dir.File("round.gguf");
        var rng = new Random(5);
        var f32 = RandomBytes(rng, 4 * 8 * 3);
        var f16 = RandomBytes(rng, 2 * 5);
        var q80 = RandomBytes(rng, 34 * 2 * 2);
        var q4k = RandomBytes(rng, 144 * 3);

        var w = new GgufWriter();
        foreach (var (k, v) in AllTypes) w.AddMetadata(k, v);
        w.AddTensor("a.f32", TensorType.F32, [8, 3], f32);
        w.AddTensor("b.f16", TensorType.F16, [5], f16);
        w.AddTensor("c.q8_0", TensorType.Q8_0, [64, 2], q80);
        w.AddTensor("d.q4_k", TensorType.Q4_K, [256, 3], q4k);
        w.WriteTo(path);

        using var file = GgufFile.Open(path);
        Assert.Equal(3u, file.Version);
        Assert.Equal(32, file.Alignment);
        Assert.Equal(AllTypes.Keys, file.MetadataList.Select(kv => kv.Key));
        foreach (var (k, v) in AllTypes)
            AssertSameValue(GgufValue.From(v), file.Metadata[k]);

        Assert.Equal(["a.f32", "b.f16", "c.q8_0", "d.q4_k"], file.Tensors.Select(t => t.Name));
        Assert.Equal(0, file.DataOffset % 32);
        foreach (var t in file.Tensors) Assert.Equal(0, t.Offset % 32);
        Assert.Equal([8L, 3], file.FindTensor("a.f32")!.Dimensions);
        Assert.Equal([3L, 8], file.FindTensor("a.f32")!.Shape);
        Assert.Equal(TensorType.Q4_K, file.FindTensor("d.q4_k")!.Type);
        Assert.Equal(f32, file.TensorBytes(file.FindTensor("a.f32")!).ToArray());
        Assert.Equal(f16, file.TensorBytes(file.FindTensor("b.f16")!).ToArray());
        Assert.Equal(q80, file.TensorBytes(file.FindTensor("c.q8_0")!).ToArray());
        Assert.Equal(q4k, file.TensorBytes(file.FindTensor("d.q4_k")!).ToArray());
    }

    [Fact]
    public void A_custom_alignment_is_written_and_honoured()
    {
        using var dir = new TempFolder();
        string path = dir.File("aligned.gguf");
        var w = new GgufWriter { Alignment = 64 };
        w.AddMetadata("general.architecture", "llama");
        w.AddTensor("x", TensorType.F32, [3], new byte[12]);
        w.AddTensor("y", TensorType.F32, [5], Enumerable.Range(0, 20).Select(i => (byte)i).ToArray());
        w.WriteTo(path);

        using var file = GgufFile.Open(path);
        Assert.Equal(64, file.Alignment);
        Assert.Equal(0, file.DataOffset % 64);
        Assert.Equal(64, file.FindTensor("y")!.Offset);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (byte)i), file.TensorBytes(file.FindTensor("y")!).ToArray());
    }

    [Fact]
    public void The_writer_rejects_a_wrong_byte_count()
    {
        var w = new GgufWriter();
        var e = Assert.Throws<ArgumentException>(() => w.AddTensor("x", TensorType.Q8_0, [32], new byte[32]));
        Assert.Contains("needs 34", e.Message);
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static void AssertSameValue(GgufValue expected, GgufValue actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        if (expected.Value is GgufArray ea)
        {
            var aa = Assert.IsType<GgufArray>(actual.Value);
            Assert.Equal(ea.ElementType, aa.ElementType);
            Assert.Equal(ea.Items.GetType(), aa.Items.GetType());
            Assert.Equal(ea.Count, aa.Count);
            for (int i = 0; i < ea.Count; i++)
                AssertSameValue(new GgufValue(ea.ElementType, ea.Items.GetValue(i)!), new GgufValue(aa.ElementType, aa.Items.GetValue(i)!));
        }
        else
            Assert.Equal(expected.Value, actual.Value);
    }
}
