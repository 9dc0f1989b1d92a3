using Org.BouncyCastle.Crypto.Parameters;
using BcPoly1305 = Org.BouncyCastle.Crypto.Macs.Poly1305;

using MultiXfer.Ssh.Crypto;

namespace MultiXfer.Ssh.Tests.Crypto;

public sealed class Poly1305Tests
{
    [Fact]
    public void Rfc8439_2_5_2()
    {
        var tag = new byte[16];
        Poly1305.Compute(
            Convert.FromHexString("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b"),
            "Cryptographic Forum Research Group"u8,
            tag);
        Assert.Equal("a8061dc1305136c6c22b8baf0c0127a9", Convert.ToHexStringLower(tag));
    }

    [Theory]
    [MemberData(nameof(Rfc8439Vectors.Poly1305), MemberType = typeof(Rfc8439Vectors))]
    public void Rfc8439_A3(string name, string key, string message, string expectedTag)
    {
        var tag = new byte[16];
        Poly1305.Compute(Convert.FromHexString(key), Convert.FromHexString(message), tag);
        Assert.True(expectedTag == Convert.ToHexStringLower(tag), name);
        Assert.True(Poly1305.Verify(Convert.FromHexString(key), Convert.FromHexString(message), tag), name);

        // The same vectors through OpenSSL's Poly1305, as chacha20-poly1305 uses it.
        using var openSsl = OpenSslPoly1305Tests.Create();
        Array.Clear(tag);
        openSsl.Compute(Convert.FromHexString(key), Convert.FromHexString(message), tag);
        Assert.True(expectedTag == Convert.ToHexStringLower(tag), $"{name} (OpenSSL)");
    }

    [Fact]
    public void MatchesBouncyCastle_EveryLengthUpTo300()
    {
        var random = new Random(1305);
        var tag = new byte[16];
        for (int length = 0; length <= 300; length++)
        {
            var key = ChaCha20Tests.Bytes(random, 32);
            var message = ChaCha20Tests.Bytes(random, length);
            Poly1305.Compute(key, message, tag);
            Assert.True(BouncyCastle(key, message).AsSpan().SequenceEqual(tag), $"length {length}");
        }
    }

    /// <summary>All-ones messages and keys with every bit clamping allows keep the limbs at their bounds, where carries bite.</summary>
    [Fact]
    public void MatchesBouncyCastle_ExtremeValuesAndLargeInput()
    {
        var random = new Random(2130);
        var allOnes = Enumerable.Repeat((byte)0xFF, 70_000).ToArray();
        var keys = new[] { Enumerable.Repeat((byte)0xFF, 32).ToArray(), new byte[32], ChaCha20Tests.Bytes(random, 32) };
        var tag = new byte[16];
        foreach (var key in keys)
        {
            foreach (var message in new[] { allOnes, ChaCha20Tests.Bytes(random, 65_537), allOnes[..17], allOnes[..32] })
            {
                Poly1305.Compute(key, message, tag);
                Assert.Equal(BouncyCastle(key, message), tag);
            }
        }
    }

    /// <summary>Both implementations the cipher may use: the managed code and OpenSSL's (<see cref="OpenSslPoly1305"/>).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Verify_RejectsEverySingleBitFlip_AndWrongTagLengths(bool openSsl)
    {
        using var native = openSsl ? OpenSslPoly1305Tests.Create() : null;
        bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> tag) =>
            native is null ? Poly1305.Verify(key, message, tag) : native.Verify(key, message, tag);

        var random = new Random(7);
        var key = ChaCha20Tests.Bytes(random, 32);
        var message = ChaCha20Tests.Bytes(random, 100);
        var tag = new byte[16];
        Poly1305.Compute(key, message, tag);
        Assert.True(Verify(key, message, tag));
        for (int bit = 0; bit < 128; bit++)
        {
            var forged = (byte[])tag.Clone();
            forged[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(Verify(key, message, forged), $"bit {bit}");
        }

        Assert.False(Verify(key, message, tag.AsSpan(0, 15)));
        Assert.False(Verify(key, message, [.. tag, 0]));
        Assert.False(Verify(key, message.AsSpan(1), tag));
    }

    [Fact]
    public void RejectsBadKeyAndTagLengths()
    {
        Assert.Throws<ArgumentException>(() => Poly1305.Compute(new byte[31], [], new byte[16]));
        Assert.Throws<ArgumentException>(() => Poly1305.Compute(new byte[33], [], new byte[16]));
        Assert.Throws<ArgumentException>(() => Poly1305.Compute(new byte[32], [], new byte[15]));
        Assert.Throws<ArgumentException>(() => Poly1305.Verify(new byte[16], [], new byte[16]));
    }

    /// <summary>BouncyCastle's Poly1305 without a block cipher takes the key as r || s, like RFC 8439.</summary>
    internal static byte[] BouncyCastle(byte[] key, byte[] message)
    {
        var mac = new BcPoly1305();
        mac.Init(new KeyParameter(key));
        mac.BlockUpdate(message, 0, message.Length);
        var tag = new byte[16];
        mac.DoFinal(tag, 0);
        return tag;
    }
}
