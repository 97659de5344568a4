using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mesh.Kernels.Cpu;

/// <summary>A K-quant super-block as the integer kernels see it: 256 unsigned quants q (0..63) in 16
/// groups of 16, each group with an integer scale s and offset o, so that value i of group g is
/// d·s[g]·q[i] − dm·o[g]. Then a dot product with a Q8_K token (scale dy, quants x, group sums Σx) is
/// dy·(d·S1 − dm·S2) with the exact integers S1 = Σ_g s[g]·Σ_{i∈g} q[i]·x[i] and S2 = Σ_g o[g]·Σx[g].
/// The block layouts are defined (and decoded for reference) in <see cref="QuantizedBlocks"/>.</summary>
internal unsafe interface IKQuantFormat
{
    static abstract int BlockBytes { get; }

    /// <summary>d, dm and the per-group scales s[16] and offsets o[16] of the block (scalar kernels).</summary>
    static abstract void Header(byte* block, short* s, short* o, out float d, out float dm);

    /// <summary>d and dm of the block.</summary>
    static abstract void Scales(byte* block, out float d, out float dm);

    /// <summary>The group scales and offsets as 16 int16 lanes, group g in lane g (AVX2 kernels).</summary>
    static abstract void GroupScales(byte* block, out Vector256<short> s, out Vector256<short> o);

    /// <summary>d of the blocks of 4 rows (<paramref name="block"/> and the 3 after it at
    /// <paramref name="rowBytes"/>) in lanes 0–3 and their dm in lanes 4–7, widened together.</summary>
    static abstract Vector256<float> Scales4(byte* block, int rowBytes);

    /// <summary>Quants of values [64c, 64c+32) (<paramref name="first"/>) and [64c+32, 64c+64).</summary>
    static abstract void Quants(byte* block, int c, out Vector256<byte> first, out Vector256<byte> second);

    /// <summary>Quant of value i, the scalar way.</summary>
    static abstract int Quant(byte* block, int i);

    /// <summary>8 values of group g from their quants, rounded exactly as <see cref="QuantizedBlocks"/>
    /// decodes them (the F32 widening of exact mode).</summary>
    static abstract Vector256<float> Values(Vector256<int> q, float d, float dm, short s, short o);
}

/// <summary>Q4_K: s = the sub-block's 6-bit scale, o = its 6-bit min, dm = dmin.</summary>
internal readonly unsafe struct Q4KFormat : IKQuantFormat
{
    public static int BlockBytes => QuantizedBlocks.Q4_KBytes;

    public static void Header(byte* block, short* s, short* o, out float d, out float dm) => KScales.Header(block, s, o, out d, out dm);

    public static void Scales(byte* block, out float d, out float dm) => KScales.Scales(block, out d, out dm);

    public static void GroupScales(byte* block, out Vector256<short> s, out Vector256<short> o) => KScales.Unpack(block + 4, out s, out o);

    public static Vector256<float> Scales4(byte* block, int rowBytes) => KScales.HalfPairs4(block, rowBytes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Quants(byte* block, int c, out Vector256<byte> first, out Vector256<byte> second)
    {
        var q = Vector256.Load(block + 16 + 32 * c);
        var low = Vector256.Create((byte)0x0F);
        first = q & low;
        second = Vector256.ShiftRightLogical(q.AsUInt16(), 4).AsByte() & low;
    }

    public static int Quant(byte* block, int i)
    {
        byte b = block[16 + 32 * (i / 64) + i % 32];
        return i % 64 < 32 ? b & 0xF : b >> 4;
    }

    /// <summary>(d·sc)·q − dmin·m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Values(Vector256<int> q, float d, float dm, short s, short o) =>
        Vector256.ConvertToSingle(q) * Vector256.Create(d * s) - Vector256.Create(dm * o);
}

/// <summary>Q5_K: Q4_K's scales and mins with a fifth bit per quant from qh.</summary>
internal readonly unsafe struct Q5KFormat : IKQuantFormat
{
    public static int BlockBytes => QuantizedBlocks.Q5_KBytes;

    public static void Header(byte* block, short* s, short* o, out float d, out float dm) => KScales.Header(block, s, o, out d, out dm);

    public static void Scales(byte* block, out float d, out float dm) => KScales.Scales(block, out d, out dm);

    public static void GroupScales(byte* block, out Vector256<short> s, out Vector256<short> o) => KScales.Unpack(block + 4, out s, out o);

    public static Vector256<float> Scales4(byte* block, int rowBytes) => KScales.HalfPairs4(block, rowBytes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Quants(byte* block, int c, out Vector256<byte> first, out Vector256<byte> second)
    {
        // bit 2c (first) or 2c+1 (second) of each qh byte moved to bit 4 by a 16-bit shift: a byte's
        // bit 4 then still comes from the same byte (c is a constant wherever this is inlined)
        var q = Vector256.Load(block + 48 + 32 * c).AsUInt16();
        var h = Vector256.Load(block + 16).AsUInt16();
        var low = Vector256.Create((byte)0x0F);
        var sixteen = Vector256.Create((byte)16);
        first = (q.AsByte() & low) | (Shift(h, 4 - 2 * c).AsByte() & sixteen);
        second = (Vector256.ShiftRightLogical(q, 4).AsByte() & low) | (Shift(h, 3 - 2 * c).AsByte() & sixteen);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ushort> Shift(Vector256<ushort> v, int left) => left >= 0 ? v << left : v >> -left;

    public static int Quant(byte* block, int i)
    {
        int c = i / 64, l = i % 32;
        bool second = i % 64 >= 32;
        byte b = block[48 + 32 * c + l];
        int low = second ? b >> 4 : b & 0xF;
        return low | (((block[16 + l] >> (2 * c + (second ? 1 : 0))) & 1) << 4);
    }

    /// <summary>(d·sc)·q − dmin·m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Values(Vector256<int> q, float d, float dm, short s, short o) =>
        Vector256.ConvertToSingle(q) * Vector256.Create(d * s) - Vector256.Create(dm * o);
}

/// <summary>Q6_K: s = the group's int8 scale, o = 32·s (the quants are stored +32), dm = d.</summary>
internal readonly unsafe struct Q6KFormat : IKQuantFormat
{
    public static int BlockBytes => QuantizedBlocks.Q6_KBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Header(byte* block, short* s, short* o, out float d, out float dm)
    {
        d = dm = HalfWidener.ToSingle(*(ushort*)(block + 208));
        sbyte* scales = (sbyte*)(block + 192);
        for (int g = 0; g < 16; g++)
        {
            s[g] = scales[g];
            o[g] = (short)(32 * scales[g]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scales(byte* block, out float d, out float dm) => d = dm = HalfWidener.ToSingle(*(ushort*)(block + 208));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GroupScales(byte* block, out Vector256<short> s, out Vector256<short> o)
    {
        s = Avx2.ConvertToVector256Int16((sbyte*)(block + 192));
        o = s << 5;
    }

    /// <summary>d in lanes 0–3 and again (as dm) in lanes 4–7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Scales4(byte* block, int rowBytes)
    {
        byte* h = block + 208;
        var v = Vector128.Create(*(ushort*)h, *(ushort*)(h + rowBytes), *(ushort*)(h + 2 * rowBytes), *(ushort*)(h + 3 * rowBytes));
        return HalfWidener.Widen8(Vector256.Create(v, v));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Quants(byte* block, int c, out Vector256<byte> first, out Vector256<byte> second)
    {
        // chunk c: half c/2, quarters (0, 1) or (2, 3) of it: low nibbles of ql (or high ones), and
        // bits (2k, 2k+1) of qh moved to bits 4–5 (16-bit shifts of at most 4 keep each byte's bits
        // 4–5 its own)
        int half = c >> 1, shift = 4 * (c & 1);
        var ql0 = Vector256.Load(block + 64 * half).AsUInt16();
        var ql1 = Vector256.Load(block + 64 * half + 32).AsUInt16();
        var qh = Vector256.Load(block + 128 + 32 * half).AsUInt16();
        var low = Vector256.Create((byte)0x0F);
        var high = Vector256.Create((byte)0x30);
        Vector256<ushort> h0, h1;
        if ((c & 1) == 0) { h0 = qh << 4; h1 = qh << 2; }
        else { h0 = qh; h1 = qh >> 2; }
        first = (Vector256.ShiftRightLogical(ql0, shift).AsByte() & low) | (h0.AsByte() & high);
        second = (Vector256.ShiftRightLogical(ql1, shift).AsByte() & low) | (h1.AsByte() & high);
    }

    public static int Quant(byte* block, int i) => QuantizedBlocks.Q6Value(new ReadOnlySpan<byte>(block, QuantizedBlocks.Q6_KBytes), i);

    /// <summary>(d·sc)·(q − 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Values(Vector256<int> q, float d, float dm, short s, short o) =>
        Vector256.ConvertToSingle(q - Vector256.Create(32)) * Vector256.Create(d * s);
}

/// <summary>The 12 packed bytes of Q4_K/Q5_K scales and mins, unpacked 4 at a time: bytes 0–3 hold
/// the low 6 bits of scales 0–3 (top 2 bits: high bits of scales 4–7), bytes 4–7 the same for the
/// mins, bytes 8–11 the low nibbles of scales 4–7 and, in their high nibbles, of mins 4–7.</summary>
internal static unsafe class KScales
{
    /// <summary>The 8 scales (low 8 bytes) and 8 mins (high 8 bytes), one per byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong Scales, ulong Mins) Bytes(byte* packed)
    {
        uint a = *(uint*)packed, b = *(uint*)(packed + 4), c = *(uint*)(packed + 8);
        ulong scales = (a & 0x3f3f3f3fu) | (ulong)((c & 0x0f0f0f0fu) | (((a >> 6) & 0x03030303u) << 4)) << 32;
        ulong mins = (b & 0x3f3f3f3fu) | (ulong)(((c >> 4) & 0x0f0f0f0fu) | (((b >> 6) & 0x03030303u) << 4)) << 32;
        return (scales, mins);
    }

    /// <summary>The F16 d and dmin at the start of a Q4_K/Q5_K block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scales(byte* block, out float d, out float dm)
    {
        d = HalfWidener.ToSingle(*(ushort*)block);
        dm = HalfWidener.ToSingle(*(ushort*)(block + 2));
    }

    /// <summary>A Q4_K/Q5_K block's d, dmin and per-group scales and mins (scalar kernels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Header(byte* block, short* s, short* o, out float d, out float dm)
    {
        Scales(block, out d, out dm);
        Unpack(block + 4, s, o);
    }

    /// <summary>Per group of 16: s[2j] = s[2j+1] = scale j, o likewise with min j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack(byte* packed, short* s, short* o)
    {
        var (scales, mins) = Bytes(packed);
        for (int j = 0; j < 8; j++)
        {
            short sj = (short)((scales >> (8 * j)) & 0xff), mj = (short)((mins >> (8 * j)) & 0xff);
            s[2 * j] = s[2 * j + 1] = sj;
            o[2 * j] = o[2 * j + 1] = mj;
        }
    }

    /// <summary>As <see cref="Unpack(byte*, short*, short*)"/> into int16 lanes (AVX2), with byte shuffles
    /// instead of <see cref="Bytes"/>' scalar shifts. Reads 16 bytes (the 12 packed ones and 4 after them,
    /// which no shuffle selects).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unpack(byte* packed, out Vector256<short> s, out Vector256<short> o)
    {
        const byte Z = 0x80;   // a shuffle index that writes 0
        var v = Vector128.Load(packed);
        var low6 = v & Vector128.Create((byte)0x3F);                                              // scales 0–3, mins 0–3
        var top2 = Vector128.ShiftRightLogical(v.AsUInt16(), 2).AsByte() & Vector128.Create((byte)0x30);   // bits 6–7 → 4–5
        var lowNibble = v & Vector128.Create((byte)0x0F);                                         // scales 4–7
        var highNibble = Vector128.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & Vector128.Create((byte)0x0F);   // mins 4–7
        var both = Ssse3.Shuffle(low6, Vector128.Create((byte)0, 1, 2, 3, Z, Z, Z, Z, 4, 5, 6, 7, Z, Z, Z, Z))
            | Ssse3.Shuffle(top2, Vector128.Create(Z, Z, Z, Z, 0, 1, 2, 3, Z, Z, Z, Z, 4, 5, 6, 7))
            | Ssse3.Shuffle(lowNibble, Vector128.Create(Z, Z, Z, Z, 8, 9, 10, 11, Z, Z, Z, Z, Z, Z, Z, Z))
            | Ssse3.Shuffle(highNibble, Vector128.Create(Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, 8, 9, 10, 11));
        s = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(both, both)).AsInt16();
        o = Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(both, both)).AsInt16();
    }

    /// <summary>The F16 pair (d, dmin) at the start of 4 blocks <paramref name="rowBytes"/> apart: d in
    /// lanes 0–3, dmin in lanes 4–7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfPairs4(byte* block, int rowBytes)
    {
        var v = Vector128.Create(*(int*)block, *(int*)(block + rowBytes), *(int*)(block + 2 * rowBytes), *(int*)(block + 3 * rowBytes));
        return HalfWidener.Widen8(Vector256.Create(v, Vector128.ShiftRightLogical(v, 16)));
    }
}
