using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Mesh.Kernels;

namespace Mesh.Kernels.Benchmarks;

/// <summary>A random weight matrix in native memory in any supported type, optionally rewritten into its panel layout
/// (<see cref="PanelLayouts"/>, as the loader does for Q8_0, Q4_K and Q6_K); for decode shapes several copies (at
/// distinct addresses, same bytes) are cycled so the weights come from memory, as in a real decode step, not from
/// cache.</summary>
internal sealed unsafe class BenchMatrix : IDisposable
{
    private readonly byte*[] _copies;
    private int _next;
    public WeightMatrix[] Matrices { get; }

    public BenchMatrix(int rows, int cols, TensorType type, long cycleBytes, bool panels = false)
    {
        TensorType stored = panels ? PanelLayouts.PanelType(type, rows, cols) ?? throw new ArgumentException($"{type} {rows} x {cols} has no panel layout") : type;
        long rowBytesAll = TensorTypes.ByteSize(type, (long)rows * cols);
        long bytes = TensorTypes.ByteSize(stored, (long)rows * cols);   // a K-quant panel takes a few bytes more per block
        int copies = (int)Math.Max(1, cycleBytes / bytes);
        _copies = new byte*[copies];
        Matrices = new WeightMatrix[copies];
        var rng = new Random(1);
        var row = new float[cols];
        for (int c = 0; c < copies; c++)
        {
            _copies[c] = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
            Matrices[c] = new WeightMatrix(_copies[c], rows, cols, stored);
            // the copies only need distinct addresses: encode once, then copy
            if (c > 0)
            {
                Buffer.MemoryCopy(_copies[0], _copies[c], bytes, bytes);
                continue;
            }
            int rowBytes = (int)TensorTypes.ByteSize(type, cols);
            // panels: the rows are encoded into a scratch copy, then rewritten into the panel layout
            byte* encoded = panels ? (byte*)NativeMemory.AlignedAlloc((nuint)rowBytesAll, 64) : _copies[c];
            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < cols; i++) row[i] = (float)(rng.NextDouble() * 2 - 1);
                var dst = new Span<byte>(encoded + (long)r * rowBytes, rowBytes);
                switch (type)
                {
                    case TensorType.F32: MemoryMarshal.AsBytes(row.AsSpan()).CopyTo(dst); break;
                    case TensorType.F16: for (int i = 0; i < cols; i++) BinaryPrimitives.WriteHalfLittleEndian(dst[(2 * i)..], (Half)row[i]); break;
                    case TensorType.BF16: for (int i = 0; i < cols; i++) BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], RowDecoder.FloatToBf16(row[i])); break;
                    case TensorType.Q8_0: RowDecoder.EncodeQ8_0(row, dst); break;
                    case TensorType.Q4_0 or TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K: QuantizedBlockEncoder.Encode(type, row, dst); break;
                    default: throw new NotSupportedException(type.ToString());
                }
            }
            if (panels)
            {
                PanelLayouts.Repack(new WeightMatrix(encoded, rows, cols, type), _copies[c], 0, rows);
                NativeMemory.AlignedFree(encoded);
            }
        }
    }

    /// <summary>The next copy in the cycle.</summary>
    public ref readonly WeightMatrix Next()
    {
        _next = (_next + 1) % Matrices.Length;
        return ref Matrices[_next];
    }

    public void Dispose()
    {
        foreach (var p in _copies) NativeMemory.AlignedFree(p);
    }
}
