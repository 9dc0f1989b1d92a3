using System.Globalization;
using System.Numerics;
using System.Text;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

public sealed class SignatureVerificationTests
{
    private static readonly byte[] Data = Encoding.ASCII.GetBytes("exchange hash stand-in");

    private static readonly HashSet<string> Modern =
        ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-256", "rsa-sha2-512"];

    private static readonly HashSet<string> WithSha1 = [.. Modern, "ssh-rsa"];

    public static TheoryData<string> Kinds => ["ed25519", "rsa", "ecdsa-nistp256", "ecdsa-nistp384", "ecdsa-nistp521"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Own_signatures_verify_only_over_the_signed_data(string kind)
    {
        using var host = SshHostKey.Generate(kind);
        foreach (string algorithm in host.SignatureAlgorithms)
        {
            byte[] signature = host.Sign(algorithm, Data);
            Assert.True(host.PublicKey.Verify(Data, signature, WithSha1), algorithm);
            Assert.False(host.PublicKey.Verify([.. Data, 0], signature, WithSha1), algorithm);
            Assert.False(host.PublicKey.Verify(Data, signature, new HashSet<string>(WithSha1.Where(a => a != algorithm))), algorithm);
        }

        Assert.Throws<ArgumentException>(() => host.Sign("ssh-dss", Data));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Hostile_signature_blobs_are_refused_without_throwing(string kind)
    {
        using var host = SshHostKey.Generate(kind);
        byte[] signature = host.Sign(host.SignatureAlgorithms[0], Data);
        for (int length = 0; length < signature.Length; length++)
        {
            Assert.False(host.PublicKey.Verify(Data, signature.AsSpan(0, length), WithSha1));
        }

        Assert.False(host.PublicKey.Verify(Data, [.. signature, 0], WithSha1));
        Assert.False(host.PublicKey.Verify(Data, [0xff, 0xff, 0xff, 0xff, .. signature[4..]], WithSha1));
        byte[] hugeInner = [.. signature];
        int innerLengthAt = 4 + host.SignatureAlgorithms[0].Length;
        hugeInner.AsSpan(innerLengthAt, 4).Fill(0xff);
        Assert.False(host.PublicKey.Verify(Data, hugeInner, WithSha1));
    }

    [Fact]
    public void Signatures_must_match_the_key_type()
    {
        using var ed25519 = SshHostKey.Generate("ed25519");
        using var p256 = SshHostKey.Generate("ecdsa-nistp256");
        using var other256 = SshHostKey.Generate("ecdsa-nistp256");
        byte[] edSignature = Blobs.Inner(ed25519.Sign("ssh-ed25519", Data));
        byte[] ecSignature = Blobs.Inner(p256.Sign("ecdsa-sha2-nistp256", Data));

        Assert.False(ed25519.PublicKey.Verify(Data, Blobs.Signature("ecdsa-sha2-nistp256", edSignature), WithSha1));
        Assert.False(ed25519.PublicKey.Verify(Data, Blobs.Signature("rsa-sha2-256", edSignature), WithSha1));
        Assert.False(p256.PublicKey.Verify(Data, Blobs.Signature("ecdsa-sha2-nistp384", ecSignature), WithSha1));
        Assert.False(p256.PublicKey.Verify(Data, Blobs.Signature("ssh-ed25519", ecSignature), WithSha1));
        Assert.False(other256.PublicKey.Verify(Data, Blobs.Signature("ecdsa-sha2-nistp256", ecSignature), WithSha1));
        Assert.True(p256.PublicKey.Verify(Data, Blobs.Signature("ecdsa-sha2-nistp256", ecSignature), WithSha1));
    }

    [Fact]
    public void Rsa_signatures_are_bound_to_their_hash_and_sha1_needs_permission()
    {
        using var rsa = SshHostKey.Generate("rsa");
        byte[] sha256 = rsa.Sign("rsa-sha2-256", Data);
        byte[] sha1 = rsa.Sign("ssh-rsa", Data);

        Assert.True(rsa.PublicKey.Verify(Data, sha256, Modern));
        Assert.False(rsa.PublicKey.Verify(Data, Blobs.Signature("rsa-sha2-512", Blobs.Inner(sha256)), Modern));
        Assert.False(rsa.PublicKey.Verify(Data, sha1, Modern));
        Assert.True(rsa.PublicKey.Verify(Data, sha1, WithSha1));
        Assert.Equal(384, Blobs.Inner(sha256).Length);
    }

    [Fact]
    public void Short_rsa_signatures_are_left_padded_and_long_ones_refused()
    {
        using var rsa = SshHostKey.Generate("rsa");
        // About one signature in 256 starts with a zero byte, which some signers drop.
        var (data, inner) = Enumerable.Range(0, 10000)
            .Select(i => BitConverter.GetBytes(i))
            .Select(d => (d, Blobs.Inner(rsa.Sign("rsa-sha2-512", d))))
            .First(pair => pair.Item2[0] == 0);

        Assert.True(rsa.PublicKey.Verify(data, Blobs.Signature("rsa-sha2-512", inner[1..]), Modern));
        Assert.False(rsa.PublicKey.Verify(data, Blobs.Signature("rsa-sha2-512", [0, .. inner]), Modern));
        Assert.False(rsa.PublicKey.Verify(data, Blobs.Signature("rsa-sha2-512", inner[2..]), Modern));
    }

    [Theory]
    [InlineData("ecdsa-nistp256")]
    [InlineData("ecdsa-nistp384")]
    [InlineData("ecdsa-nistp521")]
    public void Ecdsa_scalars_outside_the_order_are_refused(string kind)
    {
        using var host = (EcdsaHostKey)SshHostKey.Generate(kind);
        var curve = host.Curve;
        string algorithm = curve.KeyType;
        var reader = new SshReader(Blobs.Inner(host.Sign(algorithm, Data)));
        byte[] r = reader.ReadPositiveMpint(curve.FieldSize, "r").ToArray();
        byte[] s = reader.ReadPositiveMpint(curve.FieldSize, "s").ToArray();
        var order = new BigInteger(curve.Order, isUnsigned: true, isBigEndian: true);
        byte[] n = curve.Order.ToArray();
        byte[] rPlusN = (new BigInteger(r, isUnsigned: true, isBigEndian: true) + order).ToByteArray(isUnsigned: true, isBigEndian: true);
        // (r, n - s) is the other valid signature for the same data: the range checks must not refuse it.
        byte[] negatedS = (order - new BigInteger(s, isUnsigned: true, isBigEndian: true)).ToByteArray(isUnsigned: true, isBigEndian: true);

        Assert.True(host.PublicKey.Verify(Data, Blobs.EcdsaSignature(algorithm, r, s), Modern));
        Assert.True(host.PublicKey.Verify(Data, Blobs.EcdsaSignature(algorithm, r, negatedS), Modern));
        Assert.False(host.PublicKey.Verify(Data, Blobs.EcdsaSignature(algorithm, [], s), Modern));
        Assert.False(host.PublicKey.Verify(Data, Blobs.EcdsaSignature(algorithm, r, []), Modern));
        Assert.False(host.PublicKey.Verify(Data, Blobs.EcdsaSignature(algorithm, n, s), Modern));
        Assert.False(host.PublicKey.Verify(Data, Blobs.EcdsaSignature(algorithm, r, n), Modern));
        Assert.False(host.PublicKey.Verify(Data, Blobs.EcdsaSignature(algorithm, rPlusN, s), Modern));
        Assert.False(host.PublicKey.Verify(Data, Blobs.EcdsaSignature(algorithm, [.. r, 0], s), Modern));
        Assert.Null(SshSignature.EcdsaToP1363(Blobs.Inner(Blobs.EcdsaSignature(algorithm, n, s)), curve));
        Assert.NotNull(SshSignature.EcdsaToP1363(Blobs.Inner(Blobs.EcdsaSignature(algorithm, r, s)), curve));
    }

    [Fact]
    public void Ed25519_signatures_of_the_wrong_length_or_non_canonical_are_refused()
    {
        using var host = SshHostKey.Generate("ed25519");
        byte[] inner = Blobs.Inner(host.Sign("ssh-ed25519", Data));
        // RFC 8032 §5.1.7: S must be below the group order L; S + L passes the equation but must be refused.
        var groupOrder = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", CultureInfo.InvariantCulture);
        var sPlusL = new BigInteger(inner.AsSpan(32), isUnsigned: true) + groupOrder;
        byte[] littleEndianS = sPlusL.ToByteArray(isUnsigned: true);
        byte[] nonCanonical = [.. inner[..32], .. littleEndianS, .. new byte[32 - littleEndianS.Length]];

        Assert.True(host.PublicKey.Verify(Data, Blobs.Signature("ssh-ed25519", inner), Modern));
        Assert.False(host.PublicKey.Verify(Data, Blobs.Signature("ssh-ed25519", inner[..63]), Modern));
        Assert.False(host.PublicKey.Verify(Data, Blobs.Signature("ssh-ed25519", [.. inner, 0]), Modern));
        Assert.False(host.PublicKey.Verify(Data, Blobs.Signature("ssh-ed25519", nonCanonical), Modern));
    }

    [Fact]
    public void P1363_conversion_round_trips_with_short_scalars()
    {
        byte[] p1363 = [.. new byte[31], 5, 0x80, .. new byte[31]];
        byte[] ssh = SshSignature.EcdsaFromP1363(p1363);

        Assert.Equal(Blobs.Build(w =>
        {
            w.WriteString([5]);
            w.WriteString([0, 0x80, .. new byte[31]]);
        }), ssh);
        Assert.Equal(p1363, SshSignature.EcdsaToP1363(ssh, EcdsaCurve.NistP256));
    }
}
