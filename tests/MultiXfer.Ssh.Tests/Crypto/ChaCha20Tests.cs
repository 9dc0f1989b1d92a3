using System.Buffers.Binary;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

using MultiXfer.Ssh.Crypto;

namespace MultiXfer.Ssh.Tests.Crypto;

public sealed class ChaCha20Tests
{
    private const ulong Two32 = 1UL << 32;

    /// <summary>Every kernel this CPU can run, so each is checked whichever one <see cref="ChaCha20.Widest"/> picks.</summary>
    public static TheoryData<string> Widths()
    {
        var data = new TheoryData<string>();
        foreach (var width in Enum.GetValues<ChaCha20.SimdWidth>().Where(w => w <= ChaCha20.Widest))
        {
            data.Add(width.ToString());
        }

        return data;
    }

    [Fact]
    public void Rfc8439_2_3_2_BlockFunction()
    {
        // Nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block count 1: its first nonce word is state word 13, the high
        // half of our 64-bit counter.
        var chacha = new ChaCha20(Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
        var block = new byte[64];
        chacha.KeystreamBlock(Convert.FromHexString("0000004a00000000"), (0x09000000UL << 32) | 1, block);
        Assert.Equal(
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
            + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
            Convert.ToHexStringLower(block));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Rfc8439_2_4_2_Sunscreen(string width)
    {
        var chacha = new ChaCha20(Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
        var plaintext = System.Text.Encoding.ASCII.GetBytes(
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
        var ciphertext = new byte[plaintext.Length];
        chacha.Transform(Convert.FromHexString("0000004a00000000"), 1, plaintext, ciphertext, Enum.Parse<ChaCha20.SimdWidth>(width));
        Assert.Equal(
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b357"
            + "1639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
            + "5af90bbf74a35be6b40b8eedf2785e42874d",
            Convert.ToHexStringLower(ciphertext));
    }

    /// <summary>
    /// RFC 8439's state words 12-15 are (counter, nonce[0..4], nonce[4..8], nonce[8..12]); read as the original layout
    /// that is the 64-bit counter counter + nonce[0..4]·2^32 and the 8-byte nonce nonce[4..12]. The mapping is exact
    /// as long as the RFC's 32-bit counter does not wrap, which none of these vectors comes near.
    /// </summary>
    [Theory]
    [MemberData(nameof(Rfc8439Vectors.ChaCha20), MemberType = typeof(Rfc8439Vectors))]
    public void Rfc8439_AppendixA(string name, string key, string nonce12, uint counter, string plaintext, string ciphertext)
    {
        var nonce = Convert.FromHexString(nonce12);
        ulong counter64 = counter | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(nonce) << 32);
        var chacha = new ChaCha20(Convert.FromHexString(key));
        var input = Convert.FromHexString(plaintext);
        foreach (var width in Enum.GetValues<ChaCha20.SimdWidth>().Where(w => w <= ChaCha20.Widest))
        {
            var output = new byte[input.Length];
            chacha.Transform(nonce.AsSpan(4), counter64, input, output, width);
            Assert.True(ciphertext == Convert.ToHexStringLower(output), $"{name}, {width} kernel");
        }

        var first = new byte[64];
        chacha.KeystreamBlock(nonce.AsSpan(4), counter64, first);
        Assert.Equal(Convert.FromHexString(ciphertext)[..64], Xor(first, input.AsSpan(0, 64)));
    }

    /// <summary>draft-strombergson-chacha-test-vectors TC8: the original ChaCha with a random 64-bit IV, 256-bit key, 20 rounds.</summary>
    [Fact]
    public void Strombergson_TC8_OriginalLayoutWithNonZeroNonce()
    {
        var chacha = new ChaCha20(Convert.FromHexString("c46ec1b18ce8a878725a37e780dfb7351f68ed2e194c79fbc6aebee1a667975d"));
        var keystream = new byte[128];
        chacha.Transform(Convert.FromHexString("1ada31d5cf688221"), 0, new byte[128], keystream);
        Assert.Equal(
            "f63a89b75c2271f9368816542ba52f06ed49241792302b00b5e8f80ae9a473afc25b218f519af0fdd406362e8d69de7f"
            + "54c604a6e00f353f110f771bdca8ab92e5fbc34e60a1d9a9db17345b0a402736853bf910b060bdf1f897b6290f01d138"
            + "ae2c4c90225ba9ea14d518f55929dea098ca7a6ccfe61227053c84e49a4a3332",
            Convert.ToHexStringLower(keystream));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void MatchesBouncyCastle_EveryLengthUpTo1000_RandomKeysNoncesCounters(string width)
    {
        var simd = Enum.Parse<ChaCha20.SimdWidth>(width);
        var random = new Random(8439);
        for (int length = 0; length <= 1000; length++)
        {
            var key = Bytes(random, 32);
            var nonce = Bytes(random, 8);
            var input = Bytes(random, length);
            ulong counter = (ulong)random.Next(0, 40);
            var output = new byte[length];
            new ChaCha20(key).Transform(nonce, counter, input, output, simd);
            Assert.True(BouncyCastle(key, nonce, counter, input).AsSpan().SequenceEqual(output), $"length {length}, counter {counter}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void MatchesBouncyCastle_LargeInputs_InPlaceToo(string width)
    {
        var simd = Enum.Parse<ChaCha20.SimdWidth>(width);
        var random = new Random(20080128);
        foreach (int length in new[] { 32 * 1024, 32 * 1024 + 4, (1 << 20) + 13 })
        {
            var key = Bytes(random, 32);
            var nonce = Bytes(random, 8);
            var input = Bytes(random, length);
            var expected = BouncyCastle(key, nonce, 3, input);
            var chacha = new ChaCha20(key);

            var output = new byte[length];
            chacha.Transform(nonce, 3, input, output, simd);
            Assert.Equal(expected, output);

            chacha.Transform(nonce, 3, input, input, simd);
            Assert.Equal(expected, input);
        }
    }

    /// <summary>
    /// Word 12 carries into word 13. BouncyCastle's original engine always starts at block 0, but its RFC 7539 engine with
    /// nonce LE32(h) || nonce8 starting at block 0 produces exactly our blocks h·2^32, h·2^32 + 1, ...
    /// </summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void BlocksAbove2To32_MatchBouncyCastle(string width)
    {
        var random = new Random(32);
        var key = Bytes(random, 32);
        var nonce = Bytes(random, 8);
        var ietfNonce = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(ietfNonce, 1);
        nonce.CopyTo(ietfNonce, 4);
        var engine = new ChaCha7539Engine();
        engine.Init(true, new ParametersWithIV(new KeyParameter(key), ietfNonce));
        var expected = new byte[20 * 64];
        engine.ProcessBytes(new byte[expected.Length], 0, expected.Length, expected, 0);

        var actual = new byte[expected.Length];
        new ChaCha20(key).Transform(nonce, Two32, new byte[actual.Length], actual, Enum.Parse<ChaCha20.SimdWidth>(width));
        Assert.Equal(expected, actual);
    }

    /// <summary>Every kernel computes its lanes' counters with a carry; it must agree with the scalar block across 2^32 and 2^64.</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void CounterCarriesAcross2To32AndWrapsAt2To64(string width)
    {
        var simd = Enum.Parse<ChaCha20.SimdWidth>(width);
        var random = new Random(64);
        var chacha = new ChaCha20(Bytes(random, 32));
        var nonce = Bytes(random, 8);
        foreach (ulong start in new[] { Two32 - 5, Two32 - 1, (7 * Two32) - 13, ulong.MaxValue - 9 })
        {
            const int Blocks = 40;
            var expected = new byte[Blocks * 64];
            for (int i = 0; i < Blocks; i++)
            {
                chacha.KeystreamBlock(nonce, unchecked(start + (ulong)i), expected.AsSpan(i * 64, 64));
            }

            var actual = new byte[expected.Length];
            chacha.Transform(nonce, start, new byte[actual.Length], actual, simd);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"start {start:x}");
        }
    }

    [Fact]
    public void KeystreamBlock_IsTransformOfZeros()
    {
        var random = new Random(1);
        var chacha = new ChaCha20(Bytes(random, 32));
        var nonce = Bytes(random, 8);
        var block = new byte[64];
        chacha.KeystreamBlock(nonce, 77, block);
        var stream = new byte[3 * 64];
        chacha.Transform(nonce, 76, new byte[stream.Length], stream);
        Assert.Equal(stream[64..128], block);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => new ChaCha20(new byte[31]));
        Assert.Throws<ArgumentException>(() => new ChaCha20(new byte[33]));
        var chacha = new ChaCha20(new byte[32]);
        var buffer = new byte[200];
        Assert.Throws<ArgumentException>(() => chacha.Transform(new byte[7], 0, buffer, buffer));
        Assert.Throws<ArgumentException>(() => chacha.Transform(new byte[12], 0, buffer, buffer));
        Assert.Throws<ArgumentException>(() => chacha.Transform(new byte[8], 0, buffer, new byte[199]));
        Assert.Throws<ArgumentException>(() => chacha.Transform(new byte[8], 0, buffer.AsSpan(0, 100), buffer.AsSpan(1, 100)));
        Assert.Throws<ArgumentException>(() => chacha.KeystreamBlock(new byte[8], 0, new byte[63]));
        Assert.Throws<ArgumentException>(() => chacha.KeystreamBlock(new byte[9], 0, new byte[64]));
    }

    /// <summary>BouncyCastle's ChaChaEngine (the original variant, 20 rounds) from block <paramref name="counter"/>.</summary>
    internal static byte[] BouncyCastle(byte[] key, byte[] nonce, ulong counter, byte[] input)
    {
        var engine = new ChaChaEngine(20);
        engine.Init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        int skip = checked((int)counter * 64);
        engine.ProcessBytes(new byte[skip], 0, skip, new byte[skip], 0);
        var output = new byte[input.Length];
        engine.ProcessBytes(input, 0, input.Length, output, 0);
        return output;
    }

    internal static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var result = new byte[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            result[i] = (byte)(a[i] ^ b[i]);
        }

        return result;
    }
}
