using MultiXfer.Ssh.Crypto;

namespace MultiXfer.Ssh.Tests.Crypto;

public sealed class Curve25519Tests
{
    private const string BasePoint = "0900000000000000000000000000000000000000000000000000000000000000";

    /// <summary>RFC 7748 §5.2; the second u has its top bit set, which X25519 must ignore.</summary>
    [Theory]
    [InlineData("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")]
    [InlineData("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")]
    public void Rfc7748_5_2(string scalar, string u, string expected)
    {
        Assert.Equal(expected, X25519(scalar, u));
    }

    /// <summary>RFC 7748 §5.2, iterated: k = u = 9, then repeatedly (k, u) = (X25519(k, u), k).</summary>
    [Fact]
    public void Rfc7748_5_2_Iterated1And1000Times()
    {
        var k = Convert.FromHexString(BasePoint);
        var u = Convert.FromHexString(BasePoint);
        var next = new byte[32];
        for (int i = 1; i <= 1000; i++)
        {
            Assert.True(Curve25519.TryComputeSharedSecret(k, u, next));
            u = k;
            k = (byte[])next.Clone();
            if (i == 1)
            {
                Assert.Equal("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", Convert.ToHexStringLower(k));
            }
        }

        Assert.Equal("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51", Convert.ToHexStringLower(k));
    }

    [Fact]
    public void Rfc7748_6_1_DiffieHellman()
    {
        const string AlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
        const string AlicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
        const string BobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
        const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
        const string Shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        Assert.Equal(AlicePublic, X25519(AlicePrivate, BasePoint));
        Assert.Equal(BobPublic, X25519(BobPrivate, BasePoint));
        Assert.Equal(Shared, X25519(AlicePrivate, BobPublic));
        Assert.Equal(Shared, X25519(BobPrivate, AlicePublic));
    }

    [Fact]
    public void GeneratedKeyPairs_AgreeAndDiffer()
    {
        var (alicePrivate, alicePublic) = Curve25519.GenerateKeyPair();
        var (bobPrivate, bobPublic) = Curve25519.GenerateKeyPair();
        Assert.Equal(32, alicePrivate.Length);
        Assert.Equal(32, alicePublic.Length);
        Assert.NotEqual(alicePrivate, bobPrivate);
        Assert.Equal(Convert.ToHexStringLower(alicePublic), X25519(Convert.ToHexStringLower(alicePrivate), BasePoint));

        var aliceShared = new byte[32];
        var bobShared = new byte[32];
        Assert.True(Curve25519.TryComputeSharedSecret(alicePrivate, bobPublic, aliceShared));
        Assert.True(Curve25519.TryComputeSharedSecret(bobPrivate, alicePublic, bobShared));
        Assert.Equal(aliceShared, bobShared);
    }

    /// <summary>Points of small order (also non-canonical or top-bit-set encodings) force an all-zero result: RFC 7748 §6.1.</summary>
    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000080")]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")]
    [InlineData("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880")]
    [InlineData("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")]
    [InlineData("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    [InlineData("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    [InlineData("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    public void LowOrderPeerPoint_Fails(string peerPublic)
    {
        var (privateKey, _) = Curve25519.GenerateKeyPair();
        var shared = Enumerable.Repeat((byte)0xAA, 32).ToArray();
        Assert.False(Curve25519.TryComputeSharedSecret(privateKey, Convert.FromHexString(peerPublic), shared));
        Assert.All(shared, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(31, 32, 32)]
    [InlineData(33, 32, 32)]
    [InlineData(0, 32, 32)]
    [InlineData(32, 31, 32)]
    [InlineData(32, 33, 32)]
    [InlineData(32, 32, 31)]
    [InlineData(32, 32, 33)]
    public void WrongLengths_FailWithoutThrowing(int privateLength, int publicLength, int secretLength)
    {
        var (privateKey, publicKey) = Curve25519.GenerateKeyPair();
        var privateBytes = new byte[privateLength];
        privateKey.AsSpan(0, Math.Min(32, privateLength)).CopyTo(privateBytes);
        var publicBytes = new byte[publicLength];
        publicKey.AsSpan(0, Math.Min(32, publicLength)).CopyTo(publicBytes);
        Assert.False(Curve25519.TryComputeSharedSecret(privateBytes, publicBytes, new byte[secretLength]));
    }

    private static string X25519(string scalar, string u)
    {
        var result = new byte[32];
        Assert.True(Curve25519.TryComputeSharedSecret(Convert.FromHexString(scalar), Convert.FromHexString(u), result));
        return Convert.ToHexStringLower(result);
    }
}
