using System.Security.Cryptography;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

public sealed class SshPublicKeyTests
{
    public static TheoryData<string> Kinds => ["ed25519", "rsa", "ecdsa-nistp256", "ecdsa-nistp384", "ecdsa-nistp521"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Parses_its_own_blob_and_compares_by_blob(string kind)
    {
        using var host = SshHostKey.Generate(kind);
        using var other = SshHostKey.Generate(kind);

        Assert.True(SshPublicKey.TryParse(host.PublicKey.Blob, out var key, out string problem), problem);
        Assert.Equal("", problem);
        Assert.Equal(host.KeyType, key.KeyType);
        Assert.Equal(host.PublicKey, key);
        Assert.Equal(host.PublicKey.GetHashCode(), key.GetHashCode());
        Assert.NotEqual(other.PublicKey, key);
        Assert.Equal(2, new HashSet<SshPublicKey> { host.PublicKey, key, other.PublicKey }.Count);
        Assert.Equal("SHA256:" + Convert.ToBase64String(SHA256.HashData(key.Blob)).TrimEnd('='), key.Fingerprint);
        Assert.Equal(50, key.Fingerprint.Length);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_truncation_and_trailing_data_are_refused(string kind)
    {
        using var host = SshHostKey.Generate(kind);
        byte[] blob = host.PublicKey.Blob;
        for (int length = 0; length < blob.Length; length++)
        {
            Assert.False(SshPublicKey.TryParse(blob.AsSpan(0, length), out var key, out string problem));
            Assert.Null(key);
            Assert.NotEmpty(problem);
        }

        Assert.False(SshPublicKey.TryParse([.. blob, 0], out _, out string trailing));
        Assert.Contains("trailing data", trailing, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ssh-dss")]
    [InlineData("ssh-ed25519-cert-v01@openssh.com")]
    [InlineData("sk-ssh-ed25519@openssh.com")]
    [InlineData("ecdsa-sha2-nistp192")]
    public void Unsupported_types_are_refused(string type)
    {
        byte[] blob = Blobs.Build(w =>
        {
            w.WriteString(type);
            w.WriteString(new byte[32]);
        });
        Assert.False(SshPublicKey.TryParse(blob, out _, out string problem));
        Assert.Equal($"unsupported key type {type}", problem);
    }

    [Fact]
    public void Huge_claimed_lengths_are_refused()
    {
        Assert.False(SshPublicKey.TryParse([0xff, 0xff, 0xff, 0xff, (byte)'s'], out _, out string problem));
        Assert.Contains("beyond the end", problem, StringComparison.Ordinal);
        byte[] ed25519 = [.. Blobs.Build(w => w.WriteString("ssh-ed25519")), 0xff, 0xff, 0xff, 0xf0, .. new byte[32]];
        Assert.False(SshPublicKey.TryParse(ed25519, out _, out _));
        Assert.False(SshPublicKey.TryParse(new byte[WireLimits.MaxKeyBlob + 1], out _, out string tooLong));
        Assert.Contains("longer than", tooLong, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    public void Ed25519_keys_of_the_wrong_length_are_refused(int length)
    {
        byte[] blob = Blobs.Build(w =>
        {
            w.WriteString("ssh-ed25519");
            w.WriteString(new byte[length]);
        });
        Assert.False(SshPublicKey.TryParse(blob, out _, out string problem));
        Assert.Contains("not 32", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Ecdsa_blob_naming_another_curve_is_refused()
    {
        using var host = (EcdsaHostKey)SshHostKey.Generate("ecdsa-nistp256");
        byte[] q = host.Curve.EncodePoint(host.ExportParameters().Q);

        Assert.True(SshPublicKey.TryParse(Blobs.Ecdsa("ecdsa-sha2-nistp256", "nistp256", q), out _, out _));
        Assert.False(SshPublicKey.TryParse(Blobs.Ecdsa("ecdsa-sha2-nistp256", "nistp384", q), out _, out string problem));
        Assert.Equal("ecdsa-sha2-nistp256 key names curve nistp384", problem);
        Assert.False(SshPublicKey.TryParse(Blobs.Ecdsa("ecdsa-sha2-nistp384", "nistp384", q), out _, out _));
    }

    [Theory]
    [InlineData("ecdsa-nistp256")]
    [InlineData("ecdsa-nistp384")]
    [InlineData("ecdsa-nistp521")]
    public void Ecdsa_points_off_the_curve_are_refused(string kind)
    {
        using var host = (EcdsaHostKey)SshHostKey.Generate(kind);
        var curve = host.Curve;
        byte[] q = curve.EncodePoint(host.ExportParameters().Q);

        byte[] offCurve = [.. q];
        offCurve[^1] ^= 1;
        byte[] outsideField = [0x04, .. Enumerable.Repeat((byte)0xff, 2 * curve.FieldSize)];
        byte[] compressed = [(byte)(2 + (q[^1] & 1)), .. q.AsSpan(1, curve.FieldSize)];

        Assert.True(SshPublicKey.TryParse(Blobs.Ecdsa(curve.KeyType, curve.Identifier, q), out _, out _));
        foreach (byte[] bad in new[] { offCurve, outsideField, compressed, [0x00], [] })
        {
            Assert.False(SshPublicKey.TryParse(Blobs.Ecdsa(curve.KeyType, curve.Identifier, bad), out var key, out string problem));
            Assert.Null(key);
            Assert.NotEmpty(problem);
        }
    }

    [Fact]
    public void Curve_orders_match_the_platform()
    {
        foreach (var curve in new[] { EcdsaCurve.NistP256, EcdsaCurve.NistP384, EcdsaCurve.NistP521 })
        {
            using var ecdsa = ECDsa.Create(curve.Curve);
            var parameters = ecdsa.ExportExplicitParameters(includePrivateParameters: false);
            Assert.Equal(parameters.Curve.Order.AsSpan().TrimStart((byte)0).ToArray(), curve.Order.ToArray());
            Assert.Equal(curve.FieldSize, parameters.Q.X!.Length);
        }
    }

    [Fact]
    public void Rsa_keys_below_the_minimum_are_refused()
    {
        using var rsa = RSA.Create(1024);
        var p = rsa.ExportParameters(false);
        byte[] blob = Blobs.Rsa(p.Exponent!, p.Modulus!);

        Assert.False(SshPublicKey.TryParse(blob, out _, out string problem));
        Assert.Equal("RSA key of 1024 bits is below the minimum of 2048 bits", problem);
        Assert.True(SshPublicKey.TryParse(blob, out var key, out _, minimumRsaBits: 1024));
        Assert.Equal(1024, ((RsaPublicKey)key).BitLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => SshPublicKey.TryParse(blob, out _, out _, minimumRsaBits: 512));
    }

    [Theory]
    [InlineData(new byte[] { 1 })]
    [InlineData(new byte[] { 2 })]
    [InlineData(new byte[] { 1, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 1 })]
    public void Bad_rsa_exponents_are_refused(byte[] exponent)
    {
        using var rsa = RSA.Create(2048);
        byte[] modulus = rsa.ExportParameters(false).Modulus!;

        Assert.True(SshPublicKey.TryParse(Blobs.Rsa([1, 0, 1], modulus), out _, out _));
        Assert.False(SshPublicKey.TryParse(Blobs.Rsa(exponent, modulus), out _, out string problem));
        Assert.NotEmpty(problem);
    }

    [Fact]
    public void Even_or_malformed_rsa_moduli_are_refused()
    {
        using var rsa = RSA.Create(2048);
        byte[] modulus = rsa.ExportParameters(false).Modulus!;
        byte[] even = [.. modulus];
        even[^1] &= 0xfe;
        byte[] negative = Blobs.Build(w =>
        {
            w.WriteString("ssh-rsa");
            w.WriteMpint([1, 0, 1]);
            w.WriteString(modulus);
        });
        byte[] paddedWithZero = Blobs.Build(w =>
        {
            w.WriteString("ssh-rsa");
            w.WriteString([0, 1, 0, 1]);
            w.WriteMpint(modulus);
        });

        Assert.False(SshPublicKey.TryParse(Blobs.Rsa([1, 0, 1], even), out _, out string problem));
        Assert.Contains("even", problem, StringComparison.Ordinal);
        Assert.False(SshPublicKey.TryParse(negative, out _, out problem));
        Assert.Contains("not a positive integer", problem, StringComparison.Ordinal);
        Assert.False(SshPublicKey.TryParse(paddedWithZero, out _, out problem));
        Assert.Contains("superfluous leading zero", problem, StringComparison.Ordinal);
    }
}
