using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Keys;
using MultiXfer.Transport;

namespace MultiXfer.Ssh.HostKeys;

/// <summary>
/// Keeps <see cref="HostKeyStore"/> current. At start it loads the configured host keys, generating the default
/// ones first when they are missing from the keys directory, and logs every SHA256 fingerprint. Afterwards it
/// reloads on SIGHUP or when a file in a key's directory changes: new connections use the new set, and a set that
/// fails to load is logged while the old one stays in service.
/// </summary>
public sealed partial class HostKeyManager : IHostedService, IDisposable
{
    private readonly IReadOnlyList<HostKeyFile> _files;
    private readonly IReadOnlyList<string> _certificateFiles;
    private readonly IReadOnlySet<string> _caSignatureAlgorithms;
    private readonly HostKeyStore _store;

    internal HostKeyStore Store => _store;
    private readonly int _minimumRsaBits;
    private readonly ILogger _logger;
    private readonly ReloadTrigger _trigger;
    private readonly Lock _reloadGate = new();
    private string _identity = "";

    /// <summary>The keys in a rotation and their state (staged, retiring), as installed.</summary>
    private IReadOnlyList<(SshHostKey Key, string State)> _rotation = [];

    /// <summary>
    /// The manager for the keys these SSH listeners need: the configured files, or the defaults for the host key
    /// algorithms the listeners enable.
    /// </summary>
    public static HostKeyManager Create(SshOptions options, string keysDirectory, IReadOnlyDictionary<string, MultiXfer.Connections.ListenerOptions> sshListeners,
        ILogger logger)
    {
        var policies = sshListeners.Select(l => AlgorithmPolicy.Resolve(options, l.Value.Ssh, $"Listeners:{l.Key}:Ssh", []));
        var files = HostKeyFiles.Resolve(options, keysDirectory, policies.DefaultIfEmpty(AlgorithmPolicy.Default));
        return new HostKeyManager(files, options.HostCertificates, options.CaSignatureAlgorithmSet, new HostKeyStore(),
            options.MinimumRsaKeyBits, logger);
    }

    private HostKeyManager(IReadOnlyList<HostKeyFile> files, IReadOnlyList<string> certificateFiles, IReadOnlySet<string> caSignatureAlgorithms,
        HostKeyStore store, int minimumRsaBits, ILogger logger)
    {
        _files = files;
        _certificateFiles = certificateFiles;
        _caSignatureAlgorithms = caSignatureAlgorithms;
        _store = store;
        _minimumRsaBits = minimumRsaBits;
        _logger = logger;
        _trigger = new ReloadTrigger(Reload, LogWatcherError);
    }

    /// <summary>
    /// The first load, before anything listens. Returns a problem naming the configuration key when the keys
    /// cannot be used.
    /// </summary>
    public string? LoadAtStart(string keysDirectory)
    {
        var missing = _files.Where(f => f.GenerateKind is not null && !File.Exists(f.Path)).ToList();
        if (missing.Count > 0)
        {
            // Two servers starting on one keys directory must not both generate the same key.
            using var generating = ExclusiveFileLock.Acquire(Path.Combine(keysDirectory, ".generate.lock"));
            foreach (var file in missing.Where(f => !File.Exists(f.Path)))
            {
                Generate(file);
            }
        }

        if (_files.FirstOrDefault(f => !File.Exists(f.Path)) is { } absent)
        {
            return $"{absent.ConfigurationKey}: {Path.GetFullPath(absent.Path)} does not exist (host keys are generated only inside " +
                   $"Server:KeysDirectory, {Path.GetFullPath(keysDirectory)}, with ssh-keygen -A style names)";
        }

        try
        {
            var keys = Load();
            if (keys.Set.Keys.Count == 0)
            {
                return "Ssh:HostKeys: an SSH listener needs at least one host key";
            }

            Install(keys, "loaded");
            return null;
        }
        catch (HostKeyLoadException e)
        {
            return e.Message;
        }
    }

    /// <summary>The keys and certificates in service and in rotation, as the admin API lists them.</summary>
    public IReadOnlyList<HostKeyDescription> Describe()
    {
        var current = _store.Current;
        var rotation = _rotation;
        return [.. current.Keys.Select(k => new HostKeyDescription(k.KeyType, k.PublicKey.Fingerprint, null, "active")),
            .. current.Certificates.Select(c => new HostKeyDescription(c.CertificateType, c.Key.Fingerprint, c.ToString(), "active")),
            .. rotation.Select(r => new HostKeyDescription(r.Key.KeyType, r.Key.PublicKey.Fingerprint, null, r.State))];
    }

    /// <summary>Each key in service, by its type, with the file it was loaded from.</summary>
    internal IEnumerable<(string Algorithm, string Path)> KeyFiles() =>
        _store.Current.Keys.Zip(_files, (key, file) => (key.KeyType, file.Path));

    /// <summary>The host certificates in service.</summary>
    internal IReadOnlyList<SshCertificate> Certificates => _store.Current.Certificates;

    /// <summary>
    /// Rotation step 1: generates the next key of <paramref name="keyType"/> beside the one in service (FILE.next).
    /// It is announced with hostkeys-00 from now on, so clients with UpdateHostKeys learn it; nothing signs with it
    /// yet. Returns a problem, or null when done.
    /// </summary>
    public string? Stage(string keyType) => Rotate(keyType, file =>
    {
        if (File.Exists(NextOf(file.Path)))
        {
            return $"a {keyType} key is staged already; promote it or delete {NextOf(file.Path)}";
        }

        Generate(file with { Path = NextOf(file.Path), GenerateKind = KindOf(keyType) });
        return null;
    });

    /// <summary>
    /// Rotation step 2: the staged key signs from now on; the one it replaces is kept as FILE.previous and still
    /// announced, so clients that have not learned the new key yet lose nothing until it is retired.
    /// </summary>
    public string? Promote(string keyType) => Rotate(keyType, file =>
    {
        string next = NextOf(file.Path), previous = PreviousOf(file.Path);
        if (!File.Exists(next))
        {
            return $"no {keyType} key is staged; stage one first";
        }

        if (File.Exists(previous))
        {
            return $"the previous {keyType} key is still retiring; retire it first";
        }

        // Copy, then one rename over the key in service: a crash between them leaves the old key serving.
        CopyPrivate(file.Path, previous);
        CopyPrivate(file.Path + ".pub", previous + ".pub");
        File.Move(next, file.Path, overwrite: true);
        File.Move(next + ".pub", file.Path + ".pub", overwrite: true);
        return null;
    });

    /// <summary>Rotation step 3: the previous key is deleted and no longer announced; clients with UpdateHostKeys forget it.</summary>
    public string? Retire(string keyType) => Rotate(keyType, file =>
    {
        string previous = PreviousOf(file.Path);
        if (!File.Exists(previous))
        {
            return $"no previous {keyType} key is retiring";
        }

        File.Delete(previous);
        File.Delete(previous + ".pub");
        return null;
    });

    private string? Rotate(string keyType, Func<HostKeyFile, string?> step)
    {
        lock (_reloadGate)
        {
            int index = _store.Current.Keys.ToList().FindIndex(k => k.KeyType == keyType);
            if (index < 0 || index >= _files.Count)
            {
                return $"no {keyType} host key is in service";
            }

            try
            {
                if (step(_files[index]) is { } problem)
                {
                    return problem;
                }

                Install(Load(), "rotated");
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or HostKeyLoadException)
            {
                return e.Message;
            }
        }
    }

    private static string NextOf(string path) => path + ".next";

    private static string PreviousOf(string path) => path + ".previous";

    private static string KindOf(string keyType) => keyType switch
    {
        "ssh-ed25519" => "ed25519",
        "ssh-rsa" => "rsa",
        "ecdsa-sha2-nistp256" => "ecdsa-nistp256",
        "ecdsa-sha2-nistp384" => "ecdsa-nistp384",
        _ => "ecdsa-nistp521",
    };

    private static void CopyPrivate(string from, string to)
    {
        string temporary = to + ".tmp";
        File.Copy(from, temporary, overwrite: true);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, to, overwrite: true);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _trigger.Watch(_files.SelectMany(f => new[] { f.Path, NextOf(f.Path), PreviousOf(f.Path) }).Concat(_certificateFiles));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _trigger.Dispose();

    /// <summary>Loads the files again; keeps the current set when they fail, whatever the failure.</summary>
    public void Reload(string reason)
    {
        lock (_reloadGate)
        {
            try
            {
                Install(Load(), $"reloaded ({reason})");
            }
            catch (Exception e)
            {
                // Runs on a timer or in a signal handler: nothing may escape, and the old keys stay in service.
                LogReloadFailed(reason, e.Message);
            }
        }
    }

    private (HostKeySet Set, IReadOnlyList<(SshHostKey Key, string State)> Rotation) Load()
    {
        var keys = _files.Select(file => LoadKey(file.Path, file.ConfigurationKey)).ToList();
        var rotation = new List<(SshHostKey Key, string State)>();
        foreach (var file in _files)
        {
            foreach (var (path, state) in new[] { (NextOf(file.Path), "staged"), (PreviousOf(file.Path), "retiring") })
            {
                if (File.Exists(path))
                {
                    rotation.Add((LoadKey(path, file.ConfigurationKey), state));
                }
            }
        }

        var certificates = _certificateFiles.Select((path, i) => HostCertificateFile.Load(path, $"Ssh:HostCertificates:{i}", keys, _caSignatureAlgorithms)).ToList();
        return (new HostKeySet(keys, certificates, [.. rotation.Select(r => r.Key)]), rotation);
    }

    private SshHostKey LoadKey(string path, string configurationKey)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostKeyLoadException($"{configurationKey}: cannot read {Path.GetFullPath(path)}: {e.Message}");
        }

        return PrivateKeyFile.TryLoad(text, out var key, out string problem, _minimumRsaBits)
            ? key!
            : throw new HostKeyLoadException($"{configurationKey}: {Path.GetFullPath(path)}: {problem}");
    }

    private void Install((HostKeySet Set, IReadOnlyList<(SshHostKey Key, string State)> Rotation) loaded, string what)
    {
        var (set, rotation) = loaded;
        var keys = set.Keys;
        string identity = string.Join(";", keys.Select(k => k.PublicKey.Fingerprint).Concat(set.Certificates.Select(c => c.Fingerprint))
            .Concat(rotation.Select(r => $"{r.State}:{r.Key.PublicKey.Fingerprint}")));
        if (identity == _identity)
        {
            return;
        }

        _identity = identity;
        _rotation = rotation;
        _store.Replace(set);
        foreach (var (key, state) in _rotation)
        {
            LogRotatingKey(what, state, key.KeyType, key.PublicKey.Fingerprint);
        }

        for (int i = 0; i < set.Certificates.Count; i++)
        {
            var certificate = set.Certificates[i];
            LogHostCertificate(what, certificate.ToString(), string.Join(",", certificate.Principals), Path.GetFullPath(_certificateFiles[i]));
            if (!certificate.IsValidAt(DateTimeOffset.UtcNow))
            {
                LogCertificateNotValidNow(Path.GetFullPath(_certificateFiles[i]));
            }
        }

        for (int i = 0; i < keys.Count; i++)
        {
            LogHostKey(what, keys[i].KeyType, keys[i].PublicKey.Fingerprint, Path.GetFullPath(_files[i].Path));
            if ((File.GetUnixFileMode(_files[i].Path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            {
                LogReadableKey(Path.GetFullPath(_files[i].Path));
            }
        }
    }

    private void Generate(HostKeyFile file)
    {
        using var key = SshHostKey.Generate(file.GenerateKind!);
        string comment = $"multixfer@{System.Net.Dns.GetHostName()}";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file.Path))!);
        string temporary = file.Path + ".tmp";
        File.WriteAllText(temporary, PrivateKeyFile.Write(key, comment));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, file.Path, overwrite: false);
        File.WriteAllText(file.Path + ".pub", PrivateKeyFile.PublicKeyLine(key.PublicKey, comment) + "\n");
        LogGenerated(key.KeyType, Path.GetFullPath(file.Path), key.PublicKey.Fingerprint);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "generated SSH host key {File} ({KeyType}), fingerprint {Fingerprint}")]
    private partial void LogGenerated(string keyType, string file, string fingerprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH host key {What}: {KeyType} {Fingerprint} from {File}")]
    private partial void LogHostKey(string what, string keyType, string fingerprint, string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH host key {What}: {State} {KeyType} {Fingerprint} announced for rotation")]
    private partial void LogRotatingKey(string what, string state, string keyType, string fingerprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "SSH host certificate {What}: {Certificate} for {Principals} from {File}")]
    private partial void LogHostCertificate(string what, string certificate, string principals, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SSH host certificate {File} is expired or not yet valid; clients checking it will refuse it")]
    private partial void LogCertificateNotValidNow(string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SSH host key {File} is readable by group or others; chmod 600 it")]
    private partial void LogReadableKey(string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "host key file watcher lost events ({Detail}); reloading")]
    private partial void LogWatcherError(string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "SSH host key reload ({Reason}) failed, the previous keys stay in use: {Problem}")]
    private partial void LogReloadFailed(string reason, string problem);
}

/// <summary>A host key file, the configuration key that names it, and what to generate when it is missing (defaults only).</summary>
internal sealed record HostKeyFile(string Path, string ConfigurationKey, string? GenerateKind);

internal sealed class HostKeyLoadException(string message) : Exception(message);

/// <summary>A host key in service: its type, SHA256 fingerprint, and for a certificate what it certifies.</summary>
/// <param name="State">active (signs key exchanges), staged (announced, next to sign) or retiring (announced until retired).</param>
public sealed record HostKeyDescription(string Algorithm, string Fingerprint, string? Certificate, string State);
