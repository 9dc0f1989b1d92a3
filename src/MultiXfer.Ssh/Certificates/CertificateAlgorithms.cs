using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.Certificates;

/// <summary>
/// The certificate names of OpenSSH's PROTOCOL.certkeys, derived from the plain ones: a certificate algorithm is a
/// signature algorithm with the suffix ("rsa-sha2-512-cert-v01@openssh.com"), and the blob it names carries the type
/// of the key that signs, with the suffix too. So RSA certificates are all of type ssh-rsa-cert-v01, while the
/// rsa-sha2-* names choose RFC 8332's hashes for the signature ("RSA certificates" in PROTOCOL.certkeys).
/// </summary>
internal static class CertificateAlgorithms
{
    public const string Suffix = "-cert-v01@openssh.com";

    /// <summary>The plain signature algorithm behind <paramref name="algorithm"/>; null for anything but a certificate algorithm.</summary>
    public static string? SignatureAlgorithmFor(string algorithm) =>
        algorithm.EndsWith(Suffix, StringComparison.Ordinal) && SshAlgorithms.SignatureAlgorithms.Contains(algorithm[..^Suffix.Length])
            ? algorithm[..^Suffix.Length]
            : null;

    /// <summary>The certificate type a blob offered under <paramref name="algorithm"/> must have; null for plain algorithms.</summary>
    public static string? CertificateTypeFor(string algorithm) =>
        SignatureAlgorithmFor(algorithm) is { } signature ? KeyTypeNames.KeyTypeOf(signature) + Suffix : null;

    /// <summary>
    /// The plain key type a certificate type certifies: "ssh-ed25519-cert-v01@openssh.com" → "ssh-ed25519". Only real
    /// certificate types qualify: "rsa-sha2-512-cert-v01@openssh.com" names an algorithm, never a blob's type.
    /// </summary>
    public static string? PlainKeyType(string certificateType) =>
        CertificateTypeFor(certificateType) == certificateType ? certificateType[..^Suffix.Length] : null;
}
