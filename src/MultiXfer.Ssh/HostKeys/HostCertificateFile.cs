using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.HostKeys;

/// <summary>
/// A host certificate file as <c>ssh-keygen -s CA -h</c> writes it (KEY-cert.pub: type, base64 blob, comment). It must
/// be a host certificate of one of the loaded host keys with a CA signature that verifies; otherwise clients would
/// refuse it after the key exchange, so it is refused here with the reason.
/// </summary>
internal static class HostCertificateFile
{
    private const long MaxFileBytes = 64 * 1024;

    /// <param name="caSignatureAlgorithms">Ssh:CASignatureAlgorithms: OpenSSH clients refuse SHA-1 CA signatures by default too.</param>
    public static SshCertificate Load(string path, string configurationKey, IReadOnlyList<SshHostKey> keys, IReadOnlySet<string> caSignatureAlgorithms)
    {
        string where = $"{configurationKey}: {Path.GetFullPath(path)}";
        string text;
        try
        {
            text = new FileInfo(path).Length <= MaxFileBytes ? File.ReadAllText(path) : throw new IOException($"larger than {MaxFileBytes} bytes");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostKeyLoadException($"{where}: cannot read: {e.Message}");
        }

        var words = text.Trim().Split([' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
        var blob = new byte[text.Length];
        if (words.Length < 2 || !Convert.TryFromBase64String(words[1], blob, out int length))
        {
            throw new HostKeyLoadException($"{where}: not a certificate file (expected TYPE BASE64 [COMMENT])");
        }

        if (!SshCertificate.TryParse(blob.AsSpan(0, length), out var certificate, out string problem, SshPublicKey.LowestMinimumRsaBits))
        {
            throw new HostKeyLoadException($"{where}: {problem}");
        }

        string? refusal = certificate.CertificateType != words[0] ? $"the line says {words[0]} but the certificate is {certificate.CertificateType}"
            : certificate.Kind != SshCertificate.HostCertificate ? "it is not a host certificate (sign it with ssh-keygen -h)"
            : !keys.Any(k => k.PublicKey.Equals(certificate.Key)) ? $"it certifies {certificate.Key}, which is not one of the host keys"
            : !certificate.SignatureVerifies(caSignatureAlgorithms) ? "its CA signature does not verify with an allowed algorithm"
            : null;
        return refusal is null ? certificate : throw new HostKeyLoadException($"{where}: {refusal}");
    }
}
