namespace MultiXfer.Server.Configuration;

/// <summary>
/// Every file and directory the configuration names, made absolute once after binding: relative paths resolve against
/// <see cref="MultiXfer.Connections.ServerOptions.PathBase"/> (the configuration file's directory, or the working
/// directory for the embedded default), the same for keys, certificates, logs and data. The TLS certificate and key
/// default to files in Server:KeysDirectory, beside the SSH host keys, so setting KeysDirectory alone moves them all.
/// </summary>
internal static class ConfigurationPaths
{
    public const string DefaultCertificateName = "tls.crt";
    public const string DefaultKeyName = "tls.key";

    public static void Resolve(MultiXferSettings settings)
    {
        var server = settings.Server;
        string pathBase = server.PathBase.Length > 0 ? Path.GetFullPath(server.PathBase) : Directory.GetCurrentDirectory();
        server.PathBase = pathBase;
        string Full(string path) => path.Length == 0 ? path : Path.GetFullPath(path, pathBase);
        string? Optional(string? path) => string.IsNullOrEmpty(path) ? path : Full(path);

        server.DataRoot = Full(server.DataRoot);
        server.KeysDirectory = Full(server.KeysDirectory);
        server.StateDirectory = Full(server.StateDirectory);

        var tls = settings.Tls;
        if (tls.CertificateFile.Length == 0 && tls.KeyFile.Length == 0)
        {
            tls.CertificateFile = Path.Combine(server.KeysDirectory, DefaultCertificateName);
            tls.KeyFile = Path.Combine(server.KeysDirectory, DefaultKeyName);
        }
        else
        {
            // A certificate without a key file: PKCS#12, or the key in the same PEM.
            tls.CertificateFile = Full(tls.CertificateFile);
            tls.KeyFile = Full(tls.KeyFile);
        }
        foreach (var certificate in tls.Certificates)
        {
            ResolveCertificate(certificate, Full);
        }

        var ssh = settings.Ssh;
        ssh.HostKeys = ssh.HostKeys?.Select(Full).ToList();
        ssh.HostCertificates = ssh.HostCertificates.Select(Full).ToList();
        ssh.TrustedUserCAKeysFile = Optional(ssh.TrustedUserCAKeysFile);
        ssh.RevokedKeysFile = Optional(ssh.RevokedKeysFile);

        settings.Admin.BootstrapTokenFile = Full(settings.Admin.BootstrapTokenFile);

        var logging = settings.Logging;
        logging.File = Full(logging.File);
        logging.TransferLog = Full(logging.TransferLog);
        logging.AuditLog = Full(logging.AuditLog);

        foreach (var host in settings.VirtualHosts.Values)
        {
            host.DataRoot = Optional(host.DataRoot);
            if (host.Tls is { } hostTls)
            {
                ResolveCertificate(hostTls, Full);
            }

            if (host.Ssh is { } hostSsh)
            {
                hostSsh.HostKeys = hostSsh.HostKeys?.Select(Full).ToList();
                hostSsh.HostCertificates = hostSsh.HostCertificates.Select(Full).ToList();
            }
        }
    }

    private static void ResolveCertificate(CertificateOptions certificate, Func<string, string> full)
    {
        certificate.CertificateFile = full(certificate.CertificateFile);
        certificate.KeyFile = full(certificate.KeyFile);
    }
}
