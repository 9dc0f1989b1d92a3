using System.Net;
using MultiXfer.Auth;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.UserAuth;

/// <summary>
/// The key a publickey request offers: a plain key, or an OpenSSH certificate whose certified key signs. Either way
/// the signature algorithm must be one users may sign with (server-sig-algs) and fit the key type.
/// </summary>
internal sealed class OfferedKey
{
    private OfferedKey(SshPublicKey key, string signatureAlgorithm, SshCertificate? certificate)
    {
        Key = key;
        SignatureAlgorithm = signatureAlgorithm;
        Certificate = certificate;
    }

    /// <summary>The key that signs the request.</summary>
    public SshPublicKey Key { get; }

    /// <summary>The plain algorithm of the signature blob ("rsa-sha2-512" for "rsa-sha2-512-cert-v01@openssh.com").</summary>
    public string SignatureAlgorithm { get; }

    public SshCertificate? Certificate { get; }

    /// <summary>
    /// Null, with the reason, when the algorithm is not accepted or the blob is not a usable key or certificate of
    /// that algorithm.
    /// </summary>
    public static OfferedKey? From(string algorithm, byte[] blob, int minimumRsaBits, out string problem)
    {
        string signatureAlgorithm = CertificateAlgorithms.SignatureAlgorithmFor(algorithm) ?? algorithm;
        if (!SshAlgorithms.UserSignatureAlgorithms.Contains(signatureAlgorithm))
        {
            problem = "the algorithm is not accepted";
            return null;
        }

        if (CertificateAlgorithms.CertificateTypeFor(algorithm) is not { } certificateType)
        {
            if (!SshPublicKey.TryParse(blob, out var key, out problem, minimumRsaBits))
            {
                return null;
            }

            problem = KeyTypeNames.KeyTypeOf(signatureAlgorithm) == key.KeyType ? "" : $"a {key.KeyType} key does not sign with {signatureAlgorithm}";
            return problem.Length == 0 ? new OfferedKey(key, signatureAlgorithm, null) : null;
        }

        if (!SshCertificate.TryParse(blob, out var certificate, out problem, minimumRsaBits))
        {
            return null;
        }

        problem = certificate.CertificateType == certificateType ? "" : $"the blob is a {certificate.CertificateType}";
        return problem.Length == 0 ? new OfferedKey(certificate.Key, signatureAlgorithm, certificate) : null;
    }

    /// <summary>Why this key may not log in as anyone from <paramref name="client"/>, or null.</summary>
    public string? RefusalBy(UserKeyPolicy policy, IPAddress client) =>
        Certificate is { } certificate ? policy.RefusalOf(certificate, client) : policy.RefusalOf(Key);

    public KeyGrant? GrantBy(UserKeyPolicy policy, UserAccount account, IPAddress client, out string refusal)
    {
        if (Certificate is { } certificate)
        {
            return policy.Grant(account, certificate, client, out refusal);
        }

        refusal = "not in the user's authorized keys";
        return policy.Grant(account, Key, client);
    }

    public override string ToString() => Certificate?.ToString() ?? Key.ToString();
}
