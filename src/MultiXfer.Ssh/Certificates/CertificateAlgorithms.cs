using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.Certificates;

/// <summary>
/// The certificate algorithm names of OpenSSH's PROTOCOL.certkeys: what type a blob must carry for each, and which plain
/// signature algorithm the certified key signs with. RSA certificates are all of type ssh-rsa-cert-v01; the
/// rsa-sha2-* names choose RFC 8332's hashes for the signature (OpenSSH PROTOCOL.certkeys, "RSA certificates").
/// </summary>
internal static class CertificateAlgorithms
{
    public const string Suffix = "-cert-v01@openssh.com";

    public const string RsaCertificate = KeyTypeNames.Rsa + Suffix;

    /// <summary>Certificate algorithm name → (certificate type in the blob, signature algorithm of the certified key).</summary>
    private static readonly Dictionary<string, (string CertificateType, string SignatureAlgorithm)> ByName = new(StringComparer.Ordinal)
    {
        [KeyTypeNames.Ed25519 + Suffix] = (KeyTypeNames.Ed25519 + Suffix, KeyTypeNames.Ed25519),
        [EcdsaCurve.NistP256.KeyType + Suffix] = (EcdsaCurve.NistP256.KeyType + Suffix, EcdsaCurve.NistP256.KeyType),
        [EcdsaCurve.NistP384.KeyType + Suffix] = (EcdsaCurve.NistP384.KeyType + Suffix, EcdsaCurve.NistP384.KeyType),
        [EcdsaCurve.NistP521.KeyType + Suffix] = (EcdsaCurve.NistP521.KeyType + Suffix, EcdsaCurve.NistP521.KeyType),
        [KeyTypeNames.RsaSha512 + Suffix] = (RsaCertificate, KeyTypeNames.RsaSha512),
        [KeyTypeNames.RsaSha256 + Suffix] = (RsaCertificate, KeyTypeNames.RsaSha256),
        [RsaCertificate] = (RsaCertificate, KeyTypeNames.Rsa),
    };

    public static bool IsCertificateAlgorithm(string algorithm) => ByName.ContainsKey(algorithm);

    /// <summary>The certificate type a blob offered under <paramref name="algorithm"/> must have; null for plain algorithms.</summary>
    public static string? CertificateTypeFor(string algorithm) => ByName.TryGetValue(algorithm, out var entry) ? entry.CertificateType : null;

    /// <summary>The plain signature algorithm behind <paramref name="algorithm"/>; null for plain algorithms.</summary>
    public static string? SignatureAlgorithmFor(string algorithm) => ByName.TryGetValue(algorithm, out var entry) ? entry.SignatureAlgorithm : null;

    /// <summary>
    /// The plain key type a certificate type certifies: "ssh-ed25519-cert-v01@openssh.com" → "ssh-ed25519". Only real
    /// certificate types qualify: "rsa-sha2-512-cert-v01@openssh.com" names an algorithm, never a blob's type.
    /// </summary>
    public static string? PlainKeyType(string certificateType) =>
        ByName.TryGetValue(certificateType, out var entry) && entry.CertificateType == certificateType
            ? certificateType[..^Suffix.Length]
            : null;
}
