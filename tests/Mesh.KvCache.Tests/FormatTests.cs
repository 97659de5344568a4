using Mesh.Contracts;
using static Mesh.KvCache.Tests.TestBlocks;

namespace Mesh.KvCache.Tests;

/// <summary>The byte formats: the Redis value, the data-plane frame, the checksum's text form.</summary>
public sealed class FormatTests
{
    [Fact]
    public void RedisValuesRoundTripWithAndWithoutParent()
    {
        byte[] data = Bytes(1, 300);
        byte[] withParent = RedisBlockFormat.Encode(data, Hash(5));
        byte[] withoutParent = RedisBlockFormat.Encode(data, null);

        Assert.True(RedisBlockFormat.TryDecode(withParent, out ReadOnlyMemory<byte> payload, out BlockHash? parent, out _));
        Assert.Equal(data, payload.ToArray());
        Assert.Equal(Hash(5), parent);
        Assert.True(RedisBlockFormat.TryDecode(withoutParent, out payload, out parent, out _));
        Assert.Equal(data, payload.ToArray());
        Assert.Null(parent);
    }

    [Theory]
    [InlineData("truncated header")]
    [InlineData("wrong magic")]
    [InlineData("wrong version")]
    [InlineData("short payload")]
    [InlineData("flipped payload bit")]
    [InlineData("flipped checksum")]
    public void DamagedRedisValuesAreRefusedWithAReason(string damage)
    {
        byte[] value = RedisBlockFormat.Encode(Bytes(2, 64), null);
        byte[] damaged = damage switch
        {
            "truncated header" => value[..20],
            "wrong magic" => Flip(value, 0),
            "wrong version" => Flip(value, 4),
            "short payload" => value[..^1],
            "flipped payload bit" => Flip(value, RedisBlockFormat.HeaderBytes + 3),
            _ => Flip(value, 16),
        };

        Assert.False(RedisBlockFormat.TryDecode(damaged, out ReadOnlyMemory<byte> payload, out _, out string problem));
        Assert.True(payload.IsEmpty);
        Assert.NotEmpty(problem);
    }

    [Fact]
    public void FrameHeadersRoundTripAndRejectForeignBytes()
    {
        byte[] header = new byte[KvFrameFormat.HeaderBytes];
        var frame = new KvFrame(Hash(3), Hash(2), 0xdeadbeefUL, 4096);
        KvFrameFormat.Write(header, frame);
        Assert.Equal(frame, KvFrameFormat.Read(header));

        KvFrameFormat.Write(header, new KvFrame(Hash(4), null, 0, 0, Missing: true));
        Assert.Equal(new KvFrame(Hash(4), null, 0, 0, Missing: true), KvFrameFormat.Read(header));

        Assert.Throws<InvalidDataException>(() => KvFrameFormat.Read(new byte[KvFrameFormat.HeaderBytes]));
    }

    [Theory]
    [InlineData("xxh64:00000000deadbeef", true)]
    [InlineData("xxh64:deadbeef", true)]
    [InlineData("crc32:deadbeef", false)]
    [InlineData("xxh64:", false)]
    [InlineData("xxh64:0123456789abcdef0", false)]
    [InlineData(null, false)]
    public void ChecksumTextIsAlgorithmPrefixedHex(string? text, bool valid)
    {
        Assert.Equal(valid, BlockChecksum.TryParse(text, out ulong value));
        if (valid) Assert.Equal(0xdeadbeefUL, value);
    }

    [Fact]
    public void ChecksumTextRoundTrips() =>
        Assert.Equal("xxh64:" + BlockChecksum.Compute([1, 2, 3]).ToString("x16"), BlockChecksum.Format(BlockChecksum.Compute([1, 2, 3])));

    private static byte[] Flip(byte[] value, int at)
    {
        byte[] copy = [.. value];
        copy[at] ^= 0x10;
        return copy;
    }
}
