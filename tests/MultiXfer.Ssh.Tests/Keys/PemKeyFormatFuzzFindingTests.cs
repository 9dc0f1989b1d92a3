using System.Security.Cryptography;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.Tests.Keys;

/// <summary>
/// Found by the key-files fuzz target (fuzz/regressions/key-files/*-ec-unknown-curve-platform-not-supported): an EC
/// private key whose curve OID OpenSSL does not know makes .NET's import throw PlatformNotSupportedException, which
/// PrivateKeyFile.TryLoad did not catch (it catches Format, SshProtocol, Cryptographic and AsnContent exceptions), so
/// a damaged host key file escaped as an unexpected exception instead of a problem naming the file.
/// </summary>
public class PemKeyFormatFuzzFindingTests
{
    [Fact]
    public void An_unknown_curve_is_a_problem_not_an_exception()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] der = ecdsa.ExportECPrivateKey();
        // 1.2.840.10045.3.1.7 (prime256v1) becomes 1.2.840.10045.3.1.99, which no OpenSSL knows.
        int oid = der.AsSpan().IndexOf(new byte[] { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 });
        der[oid + 7] = 99;
        string file = PemArmor.Encode("EC PRIVATE KEY", der, 64);

        Assert.False(PrivateKeyFile.TryLoad(file, out _, out string problem));
        Assert.NotEmpty(problem);
    }
}
