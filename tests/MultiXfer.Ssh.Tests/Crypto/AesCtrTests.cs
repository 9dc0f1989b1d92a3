using System.Buffers.Binary;
using System.Security.Cryptography;

using MultiXfer.Ssh.Crypto;

namespace MultiXfer.Ssh.Tests.Crypto;

public sealed class AesCtrTests
{
    private const string Sp800Counter = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    private const string Sp800Plaintext =
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

    /// <summary>NIST SP 800-38A Appendix F.5.1 (AES-128), F.5.3 (AES-192), F.5.5 (AES-256), CTR encryption.</summary>
    [Theory]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c",
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")]
    [InlineData("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050")]
    [InlineData("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6")]
    public void Sp800_38A_F5(string key, string ciphertext)
    {
        var plaintext = Convert.FromHexString(Sp800Plaintext);
        var output = new byte[plaintext.Length];
        using (var ctr = new AesCtr(Convert.FromHexString(key), Convert.FromHexString(Sp800Counter)))
        {
            ctr.Transform(plaintext, output);
        }

        Assert.Equal(ciphertext, Convert.ToHexStringLower(output));

        // Decryption (F.5.2, F.5.4, F.5.6) is the same operation, here block by block and in place.
        using var decrypt = new AesCtr(Convert.FromHexString(key), Convert.FromHexString(Sp800Counter));
        for (int i = 0; i < output.Length; i += 16)
        {
            decrypt.Transform(output.AsSpan(i, 16), output.AsSpan(i, 16));
        }

        Assert.Equal(plaintext, output);
    }

    /// <summary>RFC 4344 §4: the counter is one 128-bit big-endian integer, carrying across its halves and wrapping at 2^128.</summary>
    [Theory]
    [InlineData("fffffffffffffffffffffffffffffffe")]
    [InlineData("0123456789abcdeffffffffffffffffe")]
    [InlineData("00000000000000000000000000000000")]
    public void CounterCarriesAndWraps(string iv)
    {
        var key = ChaCha20Tests.Bytes(new Random(44), 16);
        var input = ChaCha20Tests.Bytes(new Random(4344), 5 * 16);
        var output = new byte[input.Length];
        using (var ctr = new AesCtr(key, Convert.FromHexString(iv)))
        {
            ctr.Transform(input, output);
        }

        Assert.Equal(Reference(key, BinaryPrimitives.ReadUInt128BigEndian(Convert.FromHexString(iv)), input), output);
    }

    [Fact]
    public void WrapAt2To128_ExplicitBlocks()
    {
        var key = new byte[16];
        using var aes = Aes.Create();
        aes.Key = key;
        var counters = Convert.FromHexString(
            "ffffffffffffffffffffffffffffffff" + "00000000000000000000000000000000" + "00000000000000000000000000000001");
        var expected = aes.EncryptEcb(counters, PaddingMode.None);

        var keystream = new byte[48];
        using var ctr = new AesCtr(key, counters[..16]);
        ctr.Transform(new byte[48], keystream);
        Assert.Equal(expected, keystream);
    }

    [Fact]
    public void SplitAtEveryOffset_GivesTheSameStream()
    {
        var random = new Random(100);
        var key = ChaCha20Tests.Bytes(random, 32);
        var iv = ChaCha20Tests.Bytes(random, 16);
        var input = ChaCha20Tests.Bytes(random, 100);
        var whole = Reference(key, BinaryPrimitives.ReadUInt128BigEndian(iv), input);
        for (int split = 0; split <= input.Length; split++)
        {
            var output = new byte[input.Length];
            using var ctr = new AesCtr(key, iv);
            ctr.Transform(input.AsSpan(0, split), output.AsSpan(0, split));
            ctr.Transform(input.AsSpan(split), output.AsSpan(split));
            Assert.True(whole.AsSpan().SequenceEqual(output), $"split at {split}");
        }
    }

    /// <summary>Three calls of random sizes, some crossing the 512-block batch, one of them in place.</summary>
    [Fact]
    public void ThreeCallsOfRandomSizes_GiveTheSameStream()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            var key = ChaCha20Tests.Bytes(random, new[] { 16, 24, 32 }[trial % 3]);
            var iv = ChaCha20Tests.Bytes(random, 16);
            int[] sizes = [random.Next(0, 20_000), random.Next(0, 40), random.Next(0, 20_000)];
            var input = ChaCha20Tests.Bytes(random, sizes.Sum());
            var expected = Reference(key, BinaryPrimitives.ReadUInt128BigEndian(iv), input);

            using var ctr = new AesCtr(key, iv);
            var output = new byte[input.Length];
            ctr.Transform(input.AsSpan(0, sizes[0]), output.AsSpan(0, sizes[0]));
            ctr.Transform(input.AsSpan(sizes[0], sizes[1]), output.AsSpan(sizes[0], sizes[1]));
            var last = output.AsSpan(sizes[0] + sizes[1]);
            input.AsSpan(sizes[0] + sizes[1]).CopyTo(last);
            ctr.Transform(last, last);
            Assert.True(expected.AsSpan().SequenceEqual(output), $"sizes {string.Join(", ", sizes)}");
        }
    }

    [Fact]
    public void RejectsBadArguments_AndUseAfterDispose()
    {
        Assert.Throws<ArgumentException>(() => new AesCtr(new byte[15], new byte[16]));
        Assert.Throws<ArgumentException>(() => new AesCtr(new byte[20], new byte[16]));
        Assert.Throws<ArgumentException>(() => new AesCtr(new byte[33], new byte[16]));
        Assert.Throws<ArgumentException>(() => new AesCtr(new byte[16], new byte[12]));
        var ctr = new AesCtr(new byte[16], new byte[16]);
        var buffer = new byte[64];
        Assert.Throws<ArgumentException>(() => ctr.Transform(buffer, new byte[63]));
        Assert.Throws<ArgumentException>(() => ctr.Transform(buffer.AsSpan(0, 32), buffer.AsSpan(16, 32)));
        ctr.Dispose();
        ctr.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ctr.Transform(buffer, buffer));
    }

    /// <summary>CTR straight from its definition: E(counter + i) for block i, the counter a wrapping 128-bit integer.</summary>
    private static byte[] Reference(byte[] key, UInt128 counter, byte[] input)
    {
        int blocks = (input.Length + 15) / 16;
        var counters = new byte[blocks * 16];
        for (int i = 0; i < blocks; i++)
        {
            BinaryPrimitives.WriteUInt128BigEndian(counters.AsSpan(i * 16), unchecked(counter + (UInt128)i));
        }

        using var aes = Aes.Create();
        aes.Key = key;
        var keystream = aes.EncryptEcb(counters, PaddingMode.None);
        return input.Select((b, i) => (byte)(b ^ keystream[i])).ToArray();
    }
}
