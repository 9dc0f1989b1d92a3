using MultiXfer.Connections;
using MultiXfer.Ssh.Algorithms.KeyExchange;

namespace MultiXfer.Ssh.Algorithms;

/// <summary>
/// The algorithms one listener offers, in preference order, resolved from configuration: a listener's own list
/// replaces the global one, an unset list means the defaults.
/// </summary>
internal sealed class AlgorithmPolicy
{
    private AlgorithmPolicy(IReadOnlyList<KeyExchangeMethod> keyExchanges, IReadOnlyList<HostKeyAlgorithm> hostKeys,
        IReadOnlyList<CipherAlgorithm> ciphers, IReadOnlyList<MacAlgorithm> macs, IReadOnlyList<string> compressions)
    {
        KeyExchanges = keyExchanges;
        HostKeys = hostKeys;
        Ciphers = ciphers;
        Macs = macs;
        Compressions = compressions;
    }

    public IReadOnlyList<KeyExchangeMethod> KeyExchanges { get; }

    public IReadOnlyList<HostKeyAlgorithm> HostKeys { get; }

    public IReadOnlyList<CipherAlgorithm> Ciphers { get; }

    public IReadOnlyList<MacAlgorithm> Macs { get; }

    public IReadOnlyList<string> Compressions { get; }

    public static AlgorithmPolicy Default { get; } = Resolve(new SshAlgorithmOptions(), null, "Ssh", []);

    /// <summary>Resolves the lists; every unknown or duplicate name becomes a problem naming its configuration key.</summary>
    public static AlgorithmPolicy Resolve(SshAlgorithmOptions global, SshAlgorithmOptions? listener, string keyPrefix, List<string> problems)
    {
        return new AlgorithmPolicy(
            Pick(listener?.KexAlgorithms ?? global.KexAlgorithms, SshAlgorithms.DefaultKeyExchanges, SshAlgorithms.KeyExchanges, k => k.Name,
                $"{keyPrefix}:KexAlgorithms", problems),
            Pick(listener?.HostKeyAlgorithms ?? global.HostKeyAlgorithms, SshAlgorithms.DefaultHostKeys, SshAlgorithms.HostKeys, h => h.Name,
                $"{keyPrefix}:HostKeyAlgorithms", problems),
            Pick(listener?.Ciphers ?? global.Ciphers, SshAlgorithms.DefaultCiphers, SshAlgorithms.Ciphers, c => c.Name,
                $"{keyPrefix}:Ciphers", problems),
            Pick(listener?.Macs ?? global.Macs, SshAlgorithms.DefaultMacs, SshAlgorithms.Macs, m => m.Name, $"{keyPrefix}:Macs", problems),
            Pick(listener?.Compression ?? global.Compression, SshAlgorithms.Compressions, SshAlgorithms.Compressions, c => c,
                $"{keyPrefix}:Compression", problems));
    }

    private static List<T> Pick<T>(List<string>? configured, IReadOnlyList<string> defaults, IReadOnlyList<T> known, Func<T, string> name,
        string key, List<string> problems)
    {
        var names = configured ?? [.. defaults];
        var picked = new List<T>();
        foreach (string wanted in names)
        {
            var match = known.FirstOrDefault(k => name(k) == wanted);
            if (match is null)
            {
                problems.Add($"{key}: unknown or unavailable algorithm '{wanted}' (known: {string.Join(", ", known.Select(name))})");
            }
            else if (picked.Contains(match))
            {
                problems.Add($"{key}: '{wanted}' is listed twice");
            }
            else
            {
                picked.Add(match);
            }
        }

        if (names.Count == 0)
        {
            problems.Add($"{key}: must name at least one algorithm");
        }

        return picked;
    }
}
