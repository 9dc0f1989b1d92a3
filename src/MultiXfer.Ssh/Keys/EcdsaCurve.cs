using System.Security.Cryptography;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// One of the three REQUIRED curves of RFC 5656 §10.1, with what the SSH encoding (§3.1) and the signature
/// hash (§6.2.1: SHA-256 up to 256 bits, SHA-384 up to 384, SHA-512 above) need.
/// </summary>
internal sealed class EcdsaCurve
{
    public static readonly EcdsaCurve NistP256 = new(
        "nistp256", ECCurve.NamedCurves.nistP256, 32, HashAlgorithmName.SHA256,
        "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

    public static readonly EcdsaCurve NistP384 = new(
        "nistp384", ECCurve.NamedCurves.nistP384, 48, HashAlgorithmName.SHA384,
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973");

    public static readonly EcdsaCurve NistP521 = new(
        "nistp521", ECCurve.NamedCurves.nistP521, 66, HashAlgorithmName.SHA512,
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA" +
        "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409");

    private static readonly EcdsaCurve[] All = [NistP256, NistP384, NistP521];

    private readonly byte[] _order;

    private EcdsaCurve(string identifier, ECCurve curve, int fieldSize, HashAlgorithmName hash, string orderHex)
    {
        Identifier = identifier;
        KeyType = "ecdsa-sha2-" + identifier;
        Curve = curve;
        FieldSize = fieldSize;
        Hash = hash;
        _order = Convert.FromHexString(orderHex);
    }

    /// <summary>RFC 5656 §6.1: the curve name both in the key type and inside the blob.</summary>
    public string Identifier { get; }

    /// <summary>Both the public key format and the signature algorithm name (RFC 5656 §6.2).</summary>
    public string KeyType { get; }

    public ECCurve Curve { get; }

    /// <summary>Bytes of one coordinate and of one half of an IEEE P1363 signature (66 for P-521's 521 bits).</summary>
    public int FieldSize { get; }

    public HashAlgorithmName Hash { get; }

    /// <summary>The order n of the base point, big-endian without leading zeros (SEC 2 §2.4.2, §2.5.1, §2.6.1).</summary>
    public ReadOnlySpan<byte> Order => _order;

    public static EcdsaCurve? FromKeyType(string keyType) => Array.Find(All, c => c.KeyType == keyType);

    /// <summary>By the curve OID a PEM or PKCS#8 file names (SEC 2 / RFC 5480 §2.1.1.1).</summary>
    public static EcdsaCurve? FromOid(string? oid) => Array.Find(All, c => c.Curve.Oid.Value == oid);

    /// <summary>A signature scalar r or s must lie in [1, n-1] (SEC 1 §4.1.4 step 1); magnitude given without leading zeros.</summary>
    public bool IsValidScalar(ReadOnlySpan<byte> magnitude) =>
        !magnitude.IsEmpty && magnitude[0] != 0 &&
        (magnitude.Length < Order.Length || (magnitude.Length == Order.Length && magnitude.SequenceCompareTo(Order) < 0));

    /// <summary>
    /// The SEC 1 §2.3.3 uncompressed point 0x04 || X || Y. RFC 5656 §3.1 allows compressed points too, but OpenSSH
    /// neither sends nor accepts them, so neither do we.
    /// </summary>
    public ECPoint DecodePoint(ReadOnlySpan<byte> q)
    {
        if (q.Length != 1 + (2 * FieldSize) || q[0] != 0x04)
        {
            throw new FormatException($"{KeyType}: public point is not an uncompressed {Identifier} point");
        }

        return new ECPoint { X = q.Slice(1, FieldSize).ToArray(), Y = q.Slice(1 + FieldSize, FieldSize).ToArray() };
    }

    public byte[] EncodePoint(ECPoint point) =>
        [0x04, .. BigEndian.LeftPad(point.X, FieldSize), .. BigEndian.LeftPad(point.Y, FieldSize)];
}
