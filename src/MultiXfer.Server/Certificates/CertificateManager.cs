using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Server.Configuration;
using MultiXfer.Server.Hosting;
using MultiXfer.Transport;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Server.Certificates;

/// <summary>
/// Keeps <see cref="CertificateStore"/> current. At start it loads the configured certificates, generating
/// self-signed ones first when they are missing from the keys directory. Afterwards it reloads when a file in a
/// certificate's directory changes (certbot, Kubernetes secret swaps) or on SIGHUP: new connections get the new
/// certificates, open ones keep theirs, and a set that fails to load is logged while the old one stays.
/// </summary>
internal sealed partial class CertificateManager : IHostedService, IDisposable
{
    private readonly TlsOptions _options;
    private readonly CertificateStore _store;
    private readonly ILogger _logger;
    private readonly ReloadTrigger _trigger;
    private readonly Lock _reloadGate = new();
    private IReadOnlyList<(string Key, CertificateOptions Certificate)> _sites;

    public CertificateManager(TlsOptions options, IReadOnlyList<(string Key, CertificateOptions Certificate)> sites, CertificateStore store,
        ILogger logger)
    {
        _options = options;
        _sites = sites;
        _store = store;
        _logger = logger;
        // From the start, not from StartAsync: an operator may send SIGHUP while start-up is still generating keys.
        _trigger = new ReloadTrigger(Reload, LogWatcherError);
    }

    /// <summary>
    /// The first load, before anything listens. Generates missing certificates inside <paramref name="keysDirectory"/>;
    /// returns a problem naming the configuration key when the certificates cannot be used.
    /// </summary>
    public string? LoadAtStart(string keysDirectory)
    {
        if (!File.Exists(_options.CertificateFile) && IsInside(_options.CertificateFile, keysDirectory))
        {
            // Two servers starting on one keys directory must not both generate: one would pair the other's key with
            // its own certificate.
            using var generating = ExclusiveFileLock.Acquire(Path.Combine(keysDirectory, ".generate.lock"));
            if (!File.Exists(_options.CertificateFile))
            {
                Generate(keysDirectory);
            }
        }

        if (!File.Exists(_options.CertificateFile))
        {
            return $"Tls:CertificateFile: {Path.GetFullPath(_options.CertificateFile)} does not exist (self-signed certificates are " +
                   $"generated only inside Server:KeysDirectory, {Path.GetFullPath(keysDirectory)})";
        }

        DescribePolicy();
        try
        {
            var set = CertificateLoader.Load(_options, _sites);
            _store.Replace(set);
            Describe(set, "loaded");
            WarnAboutKeyPermissions();
            return null;
        }
        catch (CertificateLoadException e)
        {
            return e.Message;
        }
    }

    /// <summary>Which TLS policy OpenSSL runs under: ours (openssl-multixfer.cnf), or one the environment chose.</summary>
    private void DescribePolicy()
    {
        string? configuration = Environment.GetEnvironmentVariable("OPENSSL_CONF");
        if (configuration is not null && Path.GetFileName(configuration) == OpenSslPolicy.FileName && File.Exists(configuration))
        {
            LogPolicy(configuration);
        }
        else
        {
            LogForeignPolicy(configuration ?? "(system default)");
        }
    }

    private void WarnAboutKeyPermissions()
    {
        foreach (string key in Configured().Select(c => c.KeyFile).Append(_options.KeyFile).Where(File.Exists))
        {
            if ((File.GetUnixFileMode(key) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            {
                LogReadableKey(key);
            }
        }
    }

    private static bool IsInside(string file, string directory)
    {
        string full = Path.GetFullPath(file);
        string root = Path.GetFullPath(directory).TrimEnd('/') + "/";
        return full.StartsWith(root, StringComparison.Ordinal);
    }

    private void Generate(string keysDirectory)
    {
        string host = System.Net.Dns.GetHostName();
        if (!File.Exists(_options.KeyFile))
        {
            using var ecdsa = SelfSignedCertificates.CreateEcdsa(_options.CertificateFile, _options.KeyFile, host);
            LogGenerated("ECDSA P-256", _options.CertificateFile, host, ecdsa.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256));
        }

        string rsaCertificate = Path.Combine(keysDirectory, "tls-rsa.crt");
        if (!File.Exists(rsaCertificate))
        {
            using var rsa = SelfSignedCertificates.CreateRsa(rsaCertificate, Path.Combine(keysDirectory, "tls-rsa.key"), host);
            LogGenerated("RSA-3072", rsaCertificate, host, rsa.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256));
        }
    }

    /// <summary>Certificates are reloaded when a file in their directories changes (certbot, Kubernetes secret swaps).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _trigger.Watch(Configured().SelectMany(c => new[] { c.CertificateFile, c.KeyFile })
            .Concat([_options.CertificateFile, _options.KeyFile]));
        return Task.CompletedTask;
    }

    private static string SiteListKey(IEnumerable<(string Key, CertificateOptions Certificate)> sites) => string.Join("\n", sites.Select(s =>
        $"{s.Key}|{s.Certificate.CertificateFile}|{s.Certificate.KeyFile}|{s.Certificate.Password}|{string.Join(",", s.Certificate.ServerNames)}"));

    private IEnumerable<CertificateOptions> Configured() => _options.Certificates.Concat(_sites.Select(s => s.Certificate));

    /// <summary>
    /// A configuration reload changed the virtual hosts: load their certificates with the others. Returns the
    /// problem when they cannot be loaded (the current certificates then stay, and so do the old site list).
    /// </summary>
    public string? UseSiteCertificates(IReadOnlyList<(string Key, CertificateOptions Certificate)> sites)
    {
        lock (_reloadGate)
        {
            if (SiteListKey(sites) == SiteListKey(_sites))
            {
                // Unchanged: the files themselves are this manager's own business (watcher, SIGHUP).
                return null;
            }

            try
            {
                var set = CertificateLoader.Load(_options, sites);
                _trigger.Watch(sites.SelectMany(s => new[] { s.Certificate.CertificateFile, s.Certificate.KeyFile }));
                if (_store.Current is not { } previous || Identity(set) != Identity(previous))
                {
                    _store.Replace(set);
                    Describe(set, "reloaded (configuration)");
                }

                // Last, so that a failure above leaves the old list and the next reload tries again.
                _sites = sites;
                return null;
            }
            catch (Exception e)
            {
                return e.Message;
            }
        }
    }

    /// <summary>Loads the configured files again; keeps the current set when they fail, whatever the failure.</summary>
    public void Reload(string reason)
    {
        lock (_reloadGate)
        {
            try
            {
                var set = CertificateLoader.Load(_options, _sites);
                var previous = _store.Current;
                if (previous is not null && Identity(set) == Identity(previous))
                {
                    return;
                }

                _store.Replace(set);
                Describe(set, $"reloaded ({reason})");
                WarnAboutKeyPermissions();
            }
            catch (Exception e)
            {
                // Runs on a timer or in a signal handler: nothing may escape, and the old set stays in service.
                LogReloadFailed(reason, e.Message);
            }
        }
    }

    /// <summary>Leaves, chains and the names that select them: a new intermediate or a moved name is a change too.</summary>
    private static string Identity(CertificateSet set) => string.Join(";", set.All.Select(c =>
        c.Fingerprint + "[" + string.Join(",", c.ServerNames) + "]:" + string.Join(",", c.Context.IntermediateCertificates.Select(i =>
            i.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)))));

    private void Describe(CertificateSet set, string what)
    {
        foreach (var certificate in set.All)
        {
            var leaf = certificate.Leaf;
            LogCertificate(what, leaf.Subject, certificate.Fingerprint, string.Join(",", certificate.ServerNames), leaf.NotAfter.ToUniversalTime());
            if (leaf.NotAfter.ToUniversalTime() < DateTime.UtcNow.AddDays(14))
            {
                LogExpiring(leaf.Subject, leaf.NotAfter.ToUniversalTime());
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _trigger.Dispose();

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "generated a self-signed {Kind} certificate {File} for {Host}; SHA-256 fingerprint {Fingerprint}")]
    private partial void LogGenerated(string kind, string file, string host, string fingerprint);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "TLS certificate {What}: {Subject}, SHA-256 {Fingerprint}, names [{Names}], valid until {NotAfter:u}")]
    private partial void LogCertificate(string what, string subject, string fingerprint, string names, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS certificate {Subject} expires {NotAfter:u}")]
    private partial void LogExpiring(string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS policy: {File} (TLS 1.2/1.3, ECDHE with AEAD suites, no renegotiation, no TLS 1.3 tickets)")]
    private partial void LogPolicy(string file);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "TLS policy: OPENSSL_CONF is {Configuration}, not MultiXfer's openssl-multixfer.cnf; cipher suites and TLS 1.3 tickets follow it")]
    private partial void LogForeignPolicy(string configuration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS private key {File} is readable by group or others; chmod 600 it")]
    private partial void LogReadableKey(string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "certificate file watcher lost events ({Detail}); reloading")]
    private partial void LogWatcherError(string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "TLS certificate reload ({Reason}) failed, the previous certificates stay in use: {Problem}")]
    private partial void LogReloadFailed(string reason, string problem);
}
