using System.Net;
using MultiXfer.Fuzz.Support;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.UserAuth;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// OpenSSH certificates (PROTOCOL.certkeys) as a client offers them in a publickey request, and revoked-keys files
/// (PROTOCOL.krl, or a text list of keys) as Ssh:RevokedKeysFile is read. The first byte picks the entry point:
/// <list type="bullet">
/// <item>0: the rest is a certificate blob, through OfferedKey.From under every certificate algorithm name (what
/// userauth does before anything else) and SshCertificate.TryParse; a parsed certificate is checked for its
/// signature, validity, options, source-address matching and its log text;</item>
/// <item>anything else: the rest is a revoked-keys file for RevokedKeys.Parse, then asked about a fixed client key
/// and a fixed certificate of it (Keys/client_ed25519-cert.pub, serial 1000, CA host_ed25519), which runs the serial
/// list, range and bitmap lookups.</item>
/// </list>
/// TryParse and OfferedKey.From return a problem and never throw; RevokedKeys.Parse rejects with FormatException only.
/// </summary>
internal static class CertificatesTarget
{
    private static readonly string[] CertificateAlgorithmNames =
    [
        "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
        "ssh-rsa-cert-v01@openssh.com",
    ];

    private static readonly HashSet<string> AllSignatures = [.. SshAlgorithms.SignatureAlgorithms];

    private static readonly SshCertificate FixedCertificate = LoadCertificate();

    private static readonly IPAddress[] Clients = [IPAddress.Parse("127.0.0.1"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("::ffff:10.0.0.1")];

    public static void Run(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }

        if (data[0] == 0)
        {
            Certificate(data[1..]);
        }
        else
        {
            Revocations(data[1..]);
        }
    }

    private static void Certificate(byte[] blob)
    {
        foreach (string algorithm in CertificateAlgorithmNames)
        {
            if (OfferedKey.From(algorithm, blob, 1024, out string problem) is null && problem.Length == 0)
            {
                throw new FuzzInvariantException($"OfferedKey.From refused {algorithm} without a reason");
            }
        }

        if (!SshCertificate.TryParse(blob, out var certificate, out string reason, 1024))
        {
            if (reason.Length == 0)
            {
                throw new FuzzInvariantException("TryParse failed without a problem");
            }

            return;
        }

        _ = certificate.SignatureVerifies(AllSignatures);
        _ = certificate.IsValidAt(DateTimeOffset.UnixEpoch);
        _ = certificate.IsValidAt(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));
        if (certificate.ToString().Any(char.IsControl))
        {
            throw new FuzzInvariantException("a certificate's log text holds a control character");
        }

        foreach (var client in Clients)
        {
            _ = certificate.Options.SourceAddress?.Matches(client);
        }
    }

    private static void Revocations(byte[] content)
    {
        RevokedKeys revoked;
        try
        {
            revoked = RevokedKeys.Parse(content);
        }
        catch (FormatException e) when (e.Message.Length > 0)
        {
            return;
        }

        _ = revoked.IsRevoked(FuzzKeys.Clients[0].PublicKey);
        _ = revoked.IsRevoked(FixedCertificate);
    }

    private static SshCertificate LoadCertificate()
    {
        string[] words = FuzzKeys.Text("client_ed25519-cert.pub").Split(' ');
        return SshCertificate.TryParse(Convert.FromBase64String(words[1]), out var certificate, out string problem)
            ? certificate
            : throw new InvalidOperationException("the embedded certificate does not parse: " + problem);
    }
}
