namespace Mesh.Engine.Tokenization;

/// <summary>GPT-2's reversible byte ⇄ character map used by byte-level BPE vocabularies: printable
/// bytes stand for themselves, the other 68 (controls, space, 0x7F–0xA0, 0xAD) become U+0100 onwards,
/// so space is <c>Ġ</c> (U+0120) and newline <c>Ċ</c> (U+010A).</summary>
internal static class GptByteMap
{
    /// <summary>[256]: the character that stands for each byte.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();
    /// <summary>[0x180]: the byte each mapped character stands for; -1 for characters not in the map.</summary>
    private static readonly short[] CharToByte = BuildCharToByte();

    public static bool TryGetByte(char c, out byte value)
    {
        if (c < CharToByte.Length && CharToByte[c] >= 0)
        {
            value = (byte)CharToByte[c];
            return true;
        }
        value = 0;
        return false;
    }

    private static bool StandsForItself(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) map[b] = StandsForItself(b) ? (char)b : (char)next++;
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[0x180];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++) map[ByteToChar[b]] = (short)b;
        return map;
    }
}
