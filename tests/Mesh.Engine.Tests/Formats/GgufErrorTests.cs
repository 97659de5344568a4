using System.Text;
using Mesh.Engine.Formats.Gguf;
using Mesh.Engine.Model;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Formats;

public class GgufErrorTests : IDisposable
{
    private readonly TempFolder _dir = new();
    private readonly string _tiny;

    public GgufErrorTests()
    {
        _tiny = ModelCreator.Create(ModelCreateOptions.Preset("tiny") with { Seed = 1, Out = _dir.File("tiny.gguf") });
    }

    public void Dispose() => _dir.Dispose();

    private static ModelFormatException LoadFails(string path)
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(path));
        Assert.StartsWith(path, e.Message);
        return e;
    }

    [Fact]
    public void Wrong_magic()
    {
        string path = _dir.File("wrong.gguf");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("GGML and then some bytes that are not a model"));
        Assert.Contains("not a GGUF file: wrong magic", LoadFails(path).Message);
    }

    [Fact]
    public void Truncated_tensor_data()
    {
        string path = _dir.File("cut.gguf");
        byte[] bytes = File.ReadAllBytes(_tiny);
        File.WriteAllBytes(path, bytes[..^100]);
        string message = LoadFails(path).Message;
        Assert.Contains("truncated: tensor output_norm.weight needs bytes up to ", message);
        Assert.EndsWith($"but the file has {bytes.Length - 100}", message);
    }

    [Fact]
    public void Truncated_header()
    {
        string path = _dir.File("head.gguf");
        File.WriteAllBytes(path, File.ReadAllBytes(_tiny)[..200]);
        Assert.Contains("truncated: ", LoadFails(path).Message);
    }

    [Fact]
    public void Version_1_is_rejected()
    {
        string path = _dir.File("v1.gguf");
        byte[] bytes = File.ReadAllBytes(_tiny);
        bytes[4] = 1;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("GGUF version 1 is not supported", LoadFails(path).Message);
    }

    [Fact]
    public void Unsupported_tensor_type_names_tensor_and_type()
    {
        string path = _dir.File("q2k.gguf");
        FormatTestFiles.Rewrite(_tiny, path, replace: new()
        {
            ["blk.0.attn_q.weight"] = (TensorType.Q2_K, [256, 64], new byte[84 * 64]),
        });
        Assert.Contains("tensor blk.0.attn_q.weight has type Q2_K, which this build cannot run (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)",
            LoadFails(path).Message);
    }

    [Fact]
    public void Unknown_tensor_type_id()
    {
        string path = _dir.File("unknown-type.gguf");
        var w = new GgufWriter();
        w.AddMetadata("general.architecture", "llama");
        w.AddTensor("odd.tensor", TensorType.F32, [4], new byte[16]);
        w.WriteTo(path);
        byte[] bytes = File.ReadAllBytes(path);
        int nameAt = IndexOf(bytes, Encoding.ASCII.GetBytes("odd.tensor"));
        int typeAt = nameAt + "odd.tensor".Length + 4 + 8;   // name, n_dims, ne[0]
        Assert.Equal((byte)TensorType.F32, bytes[typeAt]);
        bytes[typeAt] = 99;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("tensor odd.tensor has unknown tensor type id 99", LoadFails(path).Message);
    }

    [Fact]
    public void Missing_tokenizer()
    {
        string path = _dir.File("no-tok.gguf");
        FormatTestFiles.Rewrite(_tiny, path, keepKey: k => !k.StartsWith("tokenizer.", StringComparison.Ordinal));
        Assert.Contains("has no tokenizer (tokenizer.ggml.tokens missing)", LoadFails(path).Message);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        string path = _dir.File("no-up.gguf");
        FormatTestFiles.Rewrite(_tiny, path, keepTensor: n => n != "blk.1.ffn_up.weight");
        Assert.Contains("missing tensor blk.1.ffn_up.weight", LoadFails(path).Message);
    }

    [Fact]
    public void Wrong_tensor_shape_is_named()
    {
        string path = _dir.File("bad-shape.gguf");
        FormatTestFiles.Rewrite(_tiny, path, replace: new()
        {
            ["blk.0.attn_k.weight"] = (TensorType.F32, [64, 64], new byte[64 * 64 * 4]),
        });
        Assert.Contains("tensor blk.0.attn_k.weight has shape [64, 64], expected [32, 64]", LoadFails(path).Message);
    }

    [Fact]
    public void Unsupported_architecture_is_named()
    {
        string path = _dir.File("gpt2.gguf");
        using (var file = GgufFile.Open(_tiny))
        {
            var w = new GgufWriter();
            foreach (var (k, v) in file.MetadataList)
                w.AddMetadata(k, k == "general.architecture" ? GgufValue.From("gpt2") : v);
            w.WriteTo(path);
        }
        Assert.Contains("architecture gpt2 is not supported (supported: llama, qwen2)", LoadFails(path).Message);
    }

    [Fact]
    public void Nonexistent_path()
    {
        string path = _dir.File("nothing-here.gguf");
        var e = LoadFails(path);
        Assert.Contains("no such file or folder", e.Message);
        Assert.IsType<FileNotFoundException>(e.InnerException);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        throw new InvalidOperationException("not found");
    }
}
