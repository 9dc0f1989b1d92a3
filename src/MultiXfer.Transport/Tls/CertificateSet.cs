using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MultiXfer.Transport.Tls;

/// <summary>One loaded certificate: the context SslStream uses (chain built once) and its host names.</summary>
public sealed record ServerCertificate(SslStreamCertificateContext Context, IReadOnlyList<string> ServerNames)
{
    public X509Certificate2 Leaf => Context.TargetCertificate;

    /// <summary>SHA-256 of the DER certificate, as openssl x509 -fingerprint -sha256 prints it.</summary>
    public string Fingerprint => Leaf.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
}

/// <summary>
/// The certificates in force at one moment: a default and any number selected by SNI server name (exact names,
/// and "*.example.org" wildcards matching one label). Immutable: rotation builds a new set and swaps it in.
/// </summary>
public sealed class CertificateSet
{
    private readonly Dictionary<string, ServerCertificate> _byName = new(StringComparer.OrdinalIgnoreCase);

    public CertificateSet(ServerCertificate defaultCertificate, IEnumerable<ServerCertificate> others)
    {
        Default = defaultCertificate;
        foreach (var certificate in others.Prepend(defaultCertificate).Reverse())
        {
            // Earlier entries win for a name listed twice, so the configured order decides.
            foreach (string name in certificate.ServerNames)
            {
                _byName[name] = certificate;
            }
        }

        All = [defaultCertificate, .. others];
    }

    public ServerCertificate Default { get; }

    public IReadOnlyList<ServerCertificate> All { get; }

    /// <summary>The certificate for a client's SNI name, or the default.</summary>
    public ServerCertificate Select(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            return Default;
        }

        if (_byName.TryGetValue(serverName, out var exact))
        {
            return exact;
        }

        int dot = serverName.IndexOf('.');
        return dot > 0 && _byName.TryGetValue("*" + serverName[dot..], out var wildcard) ? wildcard : Default;
    }
}
