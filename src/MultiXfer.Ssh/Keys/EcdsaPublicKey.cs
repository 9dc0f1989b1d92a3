using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Keys;

/// <summary>RFC 5656 §3.1: string "ecdsa-sha2-[identifier]", string identifier, string Q (uncompressed point).</summary>
internal sealed class EcdsaPublicKey : SshPublicKey
{
    private readonly ECParameters _parameters;

    /// <summary>
    /// Imports the point once to validate it (SEC 1 §3.2.2): .NET (OpenSSL on Linux) refuses coordinates outside the
    /// field and points not on the curve; with cofactor 1 on these curves nothing more is needed.
    /// </summary>
    public EcdsaPublicKey(EcdsaCurve curve, ECPoint q)
        : base(Encode(curve, q))
    {
        Curve = curve;
        _parameters = new ECParameters { Curve = curve.Curve, Q = q };
        using var validated = ECDsa.Create(_parameters);
    }

    public EcdsaCurve Curve { get; }

    public override string KeyType => Curve.KeyType;

    internal static EcdsaPublicKey Read(ref SshReader reader, EcdsaCurve curve) => new(curve, ReadPoint(ref reader, curve));

    /// <summary>Identifier and point, here and inside an OpenSSH private key. The identifier must repeat the key type's curve.</summary>
    internal static ECPoint ReadPoint(ref SshReader reader, EcdsaCurve curve)
    {
        string identifier = reader.ReadAscii(KeyTypeNames.MaxNameLength, "ECDSA curve identifier");
        if (identifier != curve.Identifier)
        {
            throw new FormatException($"{curve.KeyType} key names curve {identifier}");
        }

        return curve.DecodePoint(reader.ReadString());
    }

    /// <summary>RFC 5656 §3.1.2: the signature string holds mpint r and mpint s; the hash follows the curve size.</summary>
    private protected override bool VerifyCore(string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (algorithm != Curve.KeyType || SshSignature.EcdsaToP1363(signature, Curve) is not { } p1363)
        {
            return false;
        }

        using var ecdsa = ECDsa.Create(_parameters);
        return ecdsa.VerifyData(data, p1363, Curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private static byte[] Encode(EcdsaCurve curve, ECPoint q)
    {
        using var writer = new SshWriter(2 * curve.FieldSize + 64);
        writer.WriteString(curve.KeyType);
        writer.WriteString(curve.Identifier);
        writer.WriteString(curve.EncodePoint(q));
        return writer.ToArray();
    }
}
