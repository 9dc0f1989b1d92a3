using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Server.Configuration;
using MultiXfer.Server.Hosting;
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
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(750);

    private readonly TlsOptions _options;
    private readonly CertificateStore _store;
    private readonly ILogger _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _debounce;
    private readonly Lock _reloadGate = new();
    private PosixSignalRegistration? _hangup;

    public CertificateManager(TlsOptions options, CertificateStore store, ILogger logger)
    {
        _options = options;
        _store = store;
        _logger = logger;
        _debounce = new Timer(_ => Reload("file change"));
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

        try
        {
            var set = CertificateLoader.Load(_options);
            _store.Replace(set);
            Describe(set, "loaded");
            return null;
        }
        catch (CertificateLoadException e)
        {
            return e.Message;
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

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var files = _options.Certificates.SelectMany(c => new[] { c.CertificateFile, c.KeyFile })
            .Concat([_options.CertificateFile, _options.KeyFile]).Where(f => f.Length > 0);
        foreach (string directory in files.Select(f => Path.GetDirectoryName(Path.GetFullPath(f))!).Distinct())
        {
            if (!Directory.Exists(directory))
            {
                continue;
            }

            // The whole directory: renames and symlink swaps (..data in Kubernetes) change no watched name.
            var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, EnableRaisingEvents = true };
            watcher.Changed += (_, _) => _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);
            watcher.Created += (_, _) => _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);
            watcher.Renamed += (_, _) => _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);
            _watchers.Add(watcher);
        }

        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // SIGHUP means "reload", never "exit"
            Reload("SIGHUP");
        });
        return Task.CompletedTask;
    }

    /// <summary>Loads the configured files again; keeps the current set when they fail.</summary>
    public void Reload(string reason)
    {
        lock (_reloadGate)
        {
            try
            {
                var set = CertificateLoader.Load(_options);
                var previous = _store.Current;
                if (previous is not null && set.All.Select(c => c.Fingerprint).SequenceEqual(previous.All.Select(c => c.Fingerprint)))
                {
                    return;
                }

                _store.Replace(set);
                Describe(set, $"reloaded ({reason})");
            }
            catch (CertificateLoadException e)
            {
                LogReloadFailed(reason, e.Message);
            }
        }
    }

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

    public void Dispose()
    {
        _hangup?.Dispose();
        _hangup = null;
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
        _debounce.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "generated a self-signed {Kind} certificate {File} for {Host}; SHA-256 fingerprint {Fingerprint}")]
    private partial void LogGenerated(string kind, string file, string host, string fingerprint);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "TLS certificate {What}: {Subject}, SHA-256 {Fingerprint}, names [{Names}], valid until {NotAfter:u}")]
    private partial void LogCertificate(string what, string subject, string fingerprint, string names, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS certificate {Subject} expires {NotAfter:u}")]
    private partial void LogExpiring(string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Error, Message = "TLS certificate reload ({Reason}) failed, the previous certificates stay in use: {Problem}")]
    private partial void LogReloadFailed(string reason, string problem);
}
