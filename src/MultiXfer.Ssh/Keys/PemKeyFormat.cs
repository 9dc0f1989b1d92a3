using System.Formats.Asn1;
using System.Security.Cryptography;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// The DER private key formats OpenSSL and <c>ssh-keygen -m PEM/PKCS8</c> write: PKCS#1 "RSA PRIVATE KEY" (RFC 8017
/// A.1.2), SEC 1 "EC PRIVATE KEY" (RFC 5915) and PKCS#8 "PRIVATE KEY" (RFC 5958) holding RSA, EC or Ed25519 (RFC 8410).
/// </summary>
internal static class PemKeyFormat
{
    public const string EncryptedPkcs8Label = "ENCRYPTED PRIVATE KEY";

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string Ed25519Oid = "1.3.101.112";

    public static bool IsPemLabel(string label) => label is "RSA PRIVATE KEY" or "EC PRIVATE KEY" or "PRIVATE KEY";

    public static SshHostKey Read(string label, byte[] der) => label switch
    {
        "RSA PRIVATE KEY" => ImportRsa(der, pkcs8: false),
        "EC PRIVATE KEY" => ImportEcdsa(der, pkcs8: false),
        _ => ReadPkcs8(der),
    };

    /// <summary>PrivateKeyInfo: SEQUENCE { version, AlgorithmIdentifier, OCTET STRING privateKey, ... }; dispatch on the OID.</summary>
    private static SshHostKey ReadPkcs8(byte[] der)
    {
        var info = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        info.ReadInteger();
        string oid = info.ReadSequence().ReadObjectIdentifier();
        return oid switch
        {
            RsaOid => ImportRsa(der, pkcs8: true),
            EcPublicKeyOid => ImportEcdsa(der, pkcs8: true),
            Ed25519Oid => ReadEd25519(der),
            _ => throw new FormatException($"unsupported PKCS#8 key algorithm {oid}"),
        };
    }

    /// <summary>
    /// RFC 8410 §7: OneAsymmetricKey with version 0 or 1, algorithm id-Ed25519 without parameters (§3), privateKey an
    /// OCTET STRING wrapping the 32-byte CurvePrivateKey, optional attributes [0] and, in version 1, publicKey [1].
    /// </summary>
    private static Ed25519HostKey ReadEd25519(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var info = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (!info.TryReadInt32(out int version) || version is not (0 or 1))
        {
            throw new FormatException("unsupported PKCS#8 version");
        }

        var algorithm = info.ReadSequence();
        algorithm.ReadObjectIdentifier();
        algorithm.ThrowIfNotEmpty();
        byte[] wrapped = info.ReadOctetString();
        byte[] seed = AsnDecoder.ReadOctetString(wrapped, AsnEncodingRules.DER, out int consumed);
        CryptographicOperations.ZeroMemory(wrapped);
        if (consumed != wrapped.Length || seed.Length != Ed25519.PrivateKeySize)
        {
            throw new FormatException($"Ed25519 private key is not a {Ed25519.PrivateKeySize}-byte OCTET STRING");
        }

        if (info.HasData && info.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            info.ReadEncodedValue();
        }

        byte[]? publicKey = null;
        if (info.HasData)
        {
            publicKey = info.ReadBitString(out int unusedBits, new Asn1Tag(TagClass.ContextSpecific, 1));
            if (unusedBits != 0)
            {
                throw new FormatException("Ed25519 public key in the file is not a whole number of bytes");
            }
        }

        info.ThrowIfNotEmpty();
        var key = new Ed25519HostKey(seed);
        if (publicKey is not null && !publicKey.AsSpan().SequenceEqual(((Ed25519PublicKey)key.PublicKey).Key))
        {
            key.Dispose();
            throw new FormatException("Ed25519 public key in the file does not match the private key");
        }

        return key;
    }

    private static RsaHostKey ImportRsa(ReadOnlySpan<byte> der, bool pkcs8)
    {
        var rsa = RSA.Create();
        try
        {
            int read;
            if (pkcs8)
            {
                rsa.ImportPkcs8PrivateKey(der, out read);
            }
            else
            {
                rsa.ImportRSAPrivateKey(der, out read);
            }

            RequireWhole(der, read);
            return new RsaHostKey(rsa);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    /// <summary>Only the three named curves of RFC 5656 §10.1; explicit curve parameters or other curves are refused.</summary>
    private static EcdsaHostKey ImportEcdsa(ReadOnlySpan<byte> der, bool pkcs8)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            int read;
            if (pkcs8)
            {
                ecdsa.ImportPkcs8PrivateKey(der, out read);
            }
            else
            {
                ecdsa.ImportECPrivateKey(der, out read);
            }

            RequireWhole(der, read);
            var curve = ecdsa.ExportParameters(includePrivateParameters: false).Curve;
            return new EcdsaHostKey(ecdsa, EcdsaCurve.FromOid(curve.IsNamed ? curve.Oid.Value : null)
                ?? throw new FormatException("unsupported elliptic curve: only nistp256, nistp384 and nistp521"));
        }
        catch (PlatformNotSupportedException)
        {
            // OpenSSL knows no curve by that OID (found by fuzzing: fuzz/regressions/key-files).
            ecdsa.Dispose();
            throw new FormatException("unsupported elliptic curve: only nistp256, nistp384 and nistp521");
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    private static void RequireWhole(ReadOnlySpan<byte> der, int read)
    {
        if (read != der.Length)
        {
            throw new FormatException("trailing data after the private key");
        }
    }
}
