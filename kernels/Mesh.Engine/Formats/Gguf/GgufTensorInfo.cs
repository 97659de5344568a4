using Mesh.Kernels;

namespace Mesh.Engine.Formats.Gguf;

/// <summary>A tensor-info record of a GGUF file. <see cref="Dimensions"/> is GGML's <c>ne</c>:
/// fastest-varying first, so a matrix of <c>rows × cols</c> is <c>[cols, rows]</c>.
/// <see cref="Offset"/> counts from the start of the data section.</summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, TensorType Type, long Offset)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Dimensions) n = checked(n * d);
            return n;
        }
    }

    public long ByteLength => TensorTypes.ByteSize(Type, ElementCount);

    /// <summary>The shape outermost first (rows before columns), as Hugging Face and NumPy write it.</summary>
    public long[] Shape
    {
        get
        {
            var shape = (long[])Dimensions.Clone();
            Array.Reverse(shape);
            return shape;
        }
    }
}
