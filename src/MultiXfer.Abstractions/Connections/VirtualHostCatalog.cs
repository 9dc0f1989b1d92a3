namespace MultiXfer.Connections;

/// <summary>
/// The virtual hosts in force at one moment and how connections find theirs: by the listener they arrived on,
/// then by a name the client gives (TLS SNI, FTP HOST, SSH user@host). Exact names win over "*.domain" wildcards,
/// which match one label, as certificate names do (RFC 6125 §6.4.3).
/// </summary>
public sealed class VirtualHostCatalog
{
    private readonly Dictionary<string, VirtualHost> _byListener;
    private readonly Dictionary<string, VirtualHost> _byHostName = new(StringComparer.OrdinalIgnoreCase);

    public VirtualHostCatalog(VirtualHost defaultHost, IReadOnlyList<VirtualHost> named, IReadOnlyDictionary<string, VirtualHost> byListener)
    {
        Default = defaultHost;
        Named = named;
        _byListener = new Dictionary<string, VirtualHost>(byListener, StringComparer.OrdinalIgnoreCase);
        foreach (var host in named)
        {
            foreach (string name in host.HostNames)
            {
                _byHostName.TryAdd(name, host);
            }
        }
    }

    public VirtualHost Default { get; }

    public IReadOnlyList<VirtualHost> Named { get; }

    /// <summary>Where a connection on this listener starts.</summary>
    public VirtualHost ForListener(string listenerName) => _byListener.GetValueOrDefault(listenerName, Default);

    /// <summary>The host a client named, or null when none carries that name.</summary>
    public VirtualHost? ForHostName(string? hostName)
    {
        if (string.IsNullOrEmpty(hostName))
        {
            return null;
        }

        hostName = hostName.TrimEnd('.');
        if (_byHostName.TryGetValue(hostName, out var exact))
        {
            return exact;
        }

        int dot = hostName.IndexOf('.');
        return dot > 0 && _byHostName.TryGetValue("*" + hostName[dot..], out var wildcard) ? wildcard : null;
    }
}

/// <summary>Holds the current <see cref="VirtualHostCatalog"/>; a reload swaps in a whole new one.</summary>
public sealed class VirtualHostDirectory(VirtualHostCatalog initial)
{
    private VirtualHostCatalog _current = initial;

    public VirtualHostCatalog Current => Volatile.Read(ref _current);

    public void Replace(VirtualHostCatalog catalog) => Volatile.Write(ref _current, catalog);
}
