using Microsoft.Extensions.Logging;
using MultiXfer.Server.Configuration;
using MultiXfer.Ssh.HostKeys;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// The SSH host keys in service: the server's (Ssh:HostKeys or the generated defaults), and a virtual host's own
/// (VirtualHosts:NAME:Ssh:HostKeys) on that host's listeners. Each set reloads on its own.
/// </summary>
internal sealed class SiteHostKeys
{
    private SiteHostKeys(HostKeyManager? defaultKeys, Dictionary<string, HostKeyManager> byListener, List<HostKeyManager> all,
        Dictionary<string, HostKeyManager> byName)
    {
        Default = defaultKeys;
        ByListener = byListener;
        All = all;
        ByName = byName;
    }

    /// <summary>Null when no listener serves SSH.</summary>
    public HostKeyManager? Default { get; }

    public IReadOnlyDictionary<string, HostKeyManager> ByListener { get; }

    public IReadOnlyList<HostKeyManager> All { get; }

    /// <summary>Every set by name: "default", and each virtual host with keys of its own by the host's name.</summary>
    public IReadOnlyDictionary<string, HostKeyManager> ByName { get; }

    /// <summary>Loads (generating the defaults where missing) every set; a problem names the key and nothing is kept.</summary>
    public static SiteHostKeys LoadAtStart(MultiXferSettings settings, ILogger logger, out string? problem)
    {
        problem = null;
        var all = new List<HostKeyManager>();
        var byListener = new Dictionary<string, HostKeyManager>(StringComparer.OrdinalIgnoreCase);
        var byName = new Dictionary<string, HostKeyManager>(StringComparer.Ordinal);
        if (settings.SshListeners.Count == 0)
        {
            return new SiteHostKeys(null, byListener, all, byName);
        }

        string keys = settings.Server.KeysDirectory;
        var defaultKeys = HostKeyManager.Create(settings.Ssh, keys, settings.SshListeners, logger);
        all.Add(defaultKeys);
        byName["default"] = defaultKeys;
        problem = defaultKeys.LoadAtStart(keys);
        foreach (var (name, host) in settings.VirtualHosts)
        {
            if (problem is not null || host.Ssh?.HostKeys is not { } files)
            {
                continue;
            }

            var listeners = settings.SshListeners.Where(l => host.Listeners.Contains(l.Key, StringComparer.OrdinalIgnoreCase))
                .ToDictionary(l => l.Key, l => l.Value, StringComparer.OrdinalIgnoreCase);
            var manager = HostKeyManager.Create(settings.Ssh.WithHostKeys(files, host.Ssh.HostCertificates), keys, listeners, logger);
            all.Add(manager);
            byName[name] = manager;
            if (manager.LoadAtStart(keys) is { } siteProblem)
            {
                problem = $"{VirtualHostOptions.Section}:{name}:Ssh:HostKeys: {siteProblem}";
                continue;
            }

            foreach (string listener in listeners.Keys)
            {
                byListener[listener] = manager;
            }
        }

        if (problem is not null)
        {
            all.ForEach(m => m.Dispose());
            return new SiteHostKeys(null, [], [], []);
        }

        return new SiteHostKeys(defaultKeys, byListener, all, byName);
    }
}
