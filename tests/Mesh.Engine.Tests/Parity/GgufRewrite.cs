using System.Buffers.Binary;
using Mesh.Engine.Formats.Gguf;
using Mesh.Kernels;

namespace Mesh.Engine.Tests.Parity;

/// <summary>Copies of a GGUF file with the same metadata and altered tensors: every matrix widened
/// to F32 (decoded here, independently of Mesh's kernels), or deliberately wrong networks
/// (<see cref="EngineMistake"/>) that the parity tolerances must tell apart from a correct engine.</summary>
internal static class GgufRewrite
{
    /// <summary>The file with every F16/Q8_0 tensor stored as the F32 values it encodes.</summary>
    public static void WidenToF32(string source, string destination) =>
        Rewrite(source, destination, static (file, t, w) =>
        {
            if (t.Type is TensorType.F32) return false;
            w.AddTensor(t.Name, TensorType.F32, t.Dimensions, Decode(file.TensorBytes(t), t.Type, checked((int)t.ElementCount)));
            return true;
        });

    /// <summary>The file with <paramref name="mistake"/> built into it.</summary>
    public static void Break(string source, string destination, EngineMistake mistake)
    {
        Rewrite(source, destination, (file, t, w) =>
        {
            int heads = (int)file.GetInteger("llama.attention.head_count")!;
            int headDim = (int)(file.GetInteger("llama.embedding_length")! / heads);
            bool isQ = t.Name.EndsWith("attn_q.weight"), isK = t.Name.EndsWith("attn_k.weight"), isV = t.Name.EndsWith("attn_v.weight");
            switch (mistake)
            {
                case EngineMistake.RopePairing when isQ || isK:
                    w.AddTensor(t.Name, t.Type, t.Dimensions, PermuteRows(file.TensorBytes(t), t, r => HalvesRow(r, headDim)));
                    return true;
                case EngineMistake.KvHeadMapping when isK || isV:
                    int rows = (int)t.Dimensions[1];
                    w.AddTensor(t.Name, t.Type, t.Dimensions, PermuteRows(file.TensorBytes(t), t,
                        r => rows - headDim * (r / headDim + 1) + r % headDim));
                    return true;
                case EngineMistake.GateUpSwapped when t.Name.EndsWith("ffn_gate.weight") || t.Name.EndsWith("ffn_up.weight"):
                    string other = t.Name.EndsWith("ffn_gate.weight") ? t.Name.Replace("ffn_gate", "ffn_up") : t.Name.Replace("ffn_up", "ffn_gate");
                    w.AddTensor(other, t.Type, t.Dimensions, file.TensorBytes(t).ToArray());
                    return true;
                case EngineMistake.LayerNormGainIgnored when t.Name.EndsWith("attn_norm.weight") || t.Name.EndsWith("ffn_norm.weight"):
                    w.AddTensor(t.Name, TensorType.F32, t.Dimensions, Ones(checked((int)t.ElementCount)));
                    return true;
                default:
                    return false;
            }
        }, mistake == EngineMistake.RopeTheta ? new() { ["llama.rope.freq_base"] = 500000f } : null);
    }

    private static byte[] Ones(int count)
    {
        var result = new byte[count * 4];
        for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(result.AsSpan(4 * i), 1f);
        return result;
    }

    /// <summary>Within a head, the source row that lands at <paramref name="r"/> in rotate-half order.</summary>
    private static int HalvesRow(int r, int headDim)
    {
        int head = r / headDim, i = r % headDim, half = headDim / 2;
        return head * headDim + (i < half ? 2 * i : 2 * (i - half) + 1);
    }

    /// <summary>Row <c>r</c> of the result is row <c>sourceRow(r)</c> of the tensor (rows are whole
    /// blocks, so this works for any type).</summary>
    private static byte[] PermuteRows(ReadOnlySpan<byte> data, GgufTensorInfo t, Func<int, int> sourceRow)
    {
        int rows = (int)t.Dimensions[1];
        int rowBytes = (int)TensorTypes.ByteSize(t.Type, t.Dimensions[0]);
        var result = new byte[data.Length];
        for (int r = 0; r < rows; r++)
            data.Slice(sourceRow(r) * rowBytes, rowBytes).CopyTo(result.AsSpan(r * rowBytes));
        return result;
    }

    /// <summary>F32 little-endian bytes of an F32, F16 or Q8_0 tensor (Q8_0: per 32 values an F16
    /// scale d and 32 signed bytes q, value = d·q).</summary>
    private static byte[] Decode(ReadOnlySpan<byte> data, TensorType type, int count)
    {
        var result = new byte[count * 4];
        for (int i = 0; i < count; i++)
        {
            float value = type switch
            {
                TensorType.F16 => (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(data[(2 * i)..])),
                TensorType.Q8_0 => Q8Value(data, i),
                _ => throw new NotSupportedException($"cannot widen {type}"),
            };
            BinaryPrimitives.WriteSingleLittleEndian(result.AsSpan(4 * i), value);
        }
        return result;
    }

    private static float Q8Value(ReadOnlySpan<byte> data, int i)
    {
        var block = data.Slice(i / 32 * 34, 34);
        float d = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(block));
        return d * (sbyte)block[2 + i % 32];
    }

    /// <summary>Copies metadata (with <paramref name="metadata"/> overriding values) and tensors;
    /// <paramref name="replace"/> may add its own version of a tensor and return true.</summary>
    private static void Rewrite(string source, string destination, Func<GgufFile, GgufTensorInfo, GgufWriter, bool> replace,
        Dictionary<string, object>? metadata = null)
    {
        using var file = GgufFile.Open(source);
        var w = new GgufWriter { Alignment = file.Alignment };
        foreach (var (key, value) in file.MetadataList)
        {
            if (key == GgufFile.AlignmentKey) continue;
            if (key == "general.file_type") continue;
            if (metadata?.TryGetValue(key, out var v) == true) w.AddMetadata(key, v);
            else w.AddMetadata(key, value);
        }
        foreach (var t in file.Tensors)
            if (!replace(file, t, w)) w.AddTensor(t.Name, t.Type, t.Dimensions, file.TensorBytes(t).ToArray());
        w.WriteTo(destination);
    }
}
