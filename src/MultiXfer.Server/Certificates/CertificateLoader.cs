using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MultiXfer.Server.Configuration;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Server.Certificates;

/// <summary>
/// Builds a <see cref="CertificateSet"/> from the Tls section and the virtual hosts' certificates; any file that
/// cannot be used fails the load.
/// </summary>
internal static class CertificateLoader
{
    /// <param name="sites">Virtual hosts' certificates by configuration key, after the Tls section's own.</param>
    public static CertificateSet Load(TlsOptions options, IReadOnlyList<(string Key, CertificateOptions Certificate)> sites)
    {
        var main = LoadOne(options.CertificateFile, options.KeyFile, options.Password, [], "Tls");
        var more = options.Certificates.Select((c, i) =>
            LoadOne(c.CertificateFile, c.KeyFile, c.Password, c.ServerNames, $"Tls:Certificates:{i}"))
            .Concat(sites.Select(s => LoadOne(s.Certificate.CertificateFile, s.Certificate.KeyFile, s.Certificate.Password,
                s.Certificate.ServerNames, s.Key)))
            .ToList();
        return new CertificateSet(main, more);
    }

    /// <summary>Each virtual host's certificate, selected by its ServerNames or else by the host's names.</summary>
    public static List<(string Key, CertificateOptions Certificate)> SiteCertificates(MultiXferSettings settings) =>
        settings.VirtualHosts.Where(h => h.Value.Tls is not null).Select(h => ($"{VirtualHostOptions.Section}:{h.Key}:Tls", new CertificateOptions
        {
            CertificateFile = h.Value.Tls!.CertificateFile,
            KeyFile = h.Value.Tls.KeyFile,
            Password = h.Value.Tls.Password,
            ServerNames = h.Value.Tls.ServerNames.Count > 0 ? h.Value.Tls.ServerNames : h.Value.HostNames,
        })).ToList();

    private static ServerCertificate LoadOne(string certificateFile, string keyFile, string password, List<string> serverNames, string key)
    {
        try
        {
            X509Certificate2 leaf;
            X509Certificate2Collection chain = [];
            if (IsPkcs12(certificateFile))
            {
                var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(certificateFile, password);
                leaf = all.First(c => c.HasPrivateKey);
                chain.AddRange(all.Where(c => !ReferenceEquals(c, leaf)).ToArray());
            }
            else
            {
                leaf = password.Length > 0
                    ? X509Certificate2.CreateFromEncryptedPemFile(certificateFile, password, keyFile)
                    : X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
                var all = new X509Certificate2Collection();
                all.ImportFromPemFile(certificateFile);
                chain.AddRange(all.Skip(1).ToArray());
            }

            var names = serverNames.Count > 0 ? serverNames : DnsNames(leaf);
            return new ServerCertificate(SslStreamCertificateContext.Create(leaf, chain, offline: true), names);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException
                                       or ArgumentException or InvalidOperationException)
        {
            throw new CertificateLoadException($"{key}:CertificateFile: cannot load {certificateFile}: {e.Message}", e);
        }
    }

    private static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    private static List<string> DnsNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
}

internal sealed class CertificateLoadException(string message, Exception inner) : Exception(message, inner);
