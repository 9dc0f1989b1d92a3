using System.Diagnostics.Metrics;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh;

/// <summary>
/// SSH as metrics: completed and failed key exchanges, the DISCONNECT reasons the server sends, and the host keys in
/// service (age of their files, expiry of host certificates, read at each scrape). Algorithm names are the server's
/// own registry entries that were negotiated, never a client's strings.
/// </summary>
public sealed class SshMetrics
{
    public const string MeterName = "MultiXfer.Ssh";

    private readonly Counter<long> _keyExchanges;
    private readonly Counter<long> _keyExchangeFailures;
    private readonly Counter<long> _disconnects;
    private readonly TimeProvider _time;

    public SshMetrics(IMeterFactory meters, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Meter = meters.Create(MeterName);
        _keyExchanges = Meter.CreateCounter<long>("multixfer.ssh.key_exchanges", "{exchange}",
            "Key exchanges completed, by key exchange method, host key algorithm, cipher (client to server) and whether it was the first");
        _keyExchangeFailures = Meter.CreateCounter<long>("multixfer.ssh.key_exchange.failures", "{exchange}",
            "Key exchanges that did not complete, by reason and whether it was the first");
        _disconnects = Meter.CreateCounter<long>("multixfer.ssh.disconnects", "{disconnect}",
            "SSH_MSG_DISCONNECT messages the server sent, by reason (RFC 4250 §4.2.2)");
    }

    public Meter Meter { get; }

    /// <summary>
    /// Reports the host keys of <paramref name="keySets"/>: how long ago each key's file was written, and how long each
    /// host certificate has left. A set's name is its tag ("default", or the virtual host that has keys of its own).
    /// </summary>
    public void ObserveHostKeys(IReadOnlyDictionary<string, HostKeyManager> keySets)
    {
        Meter.CreateObservableGauge("multixfer.ssh.host_key.age", () => HostKeyAges(keySets), "s",
            "Seconds since each host key in service was written (its file's modification time), by algorithm and key set");
        Meter.CreateObservableGauge("multixfer.ssh.host_certificate.expiry", () => HostCertificateExpiry(keySets), "s",
            "Seconds until each host certificate in service expires (negative once it has; none for certificates valid forever), " +
            "by type and key set");
    }

    internal void KeyExchangeCompleted(string kex, string hostKey, string cipher, bool initial) =>
        _keyExchanges.Add(1, new("kex", kex), new("host_key", hostKey), new("cipher", cipher), new("initial", initial ? "true" : "false"));

    /// <param name="reason">
    /// no_common_algorithm, key_exchange_failed, protocol_error, peer_disconnected, connection_lost or cancelled.
    /// </param>
    internal void KeyExchangeFailed(string reason, bool initial) =>
        _keyExchangeFailures.Add(1, new("reason", reason), new("initial", initial ? "true" : "false"));

    internal void Disconnected(DisconnectReason reason) => _disconnects.Add(1, new KeyValuePair<string, object?>("reason", reason switch
    {
        DisconnectReason.HostNotAllowedToConnect => "host_not_allowed_to_connect",
        DisconnectReason.ProtocolError => "protocol_error",
        DisconnectReason.KeyExchangeFailed => "key_exchange_failed",
        DisconnectReason.MacError => "mac_error",
        DisconnectReason.CompressionError => "compression_error",
        DisconnectReason.ServiceNotAvailable => "service_not_available",
        DisconnectReason.ProtocolVersionNotSupported => "protocol_version_not_supported",
        DisconnectReason.HostKeyNotVerifiable => "host_key_not_verifiable",
        DisconnectReason.ConnectionLost => "connection_lost",
        DisconnectReason.ByApplication => "by_application",
        DisconnectReason.TooManyConnections => "too_many_connections",
        DisconnectReason.AuthCancelledByUser => "auth_cancelled_by_user",
        DisconnectReason.NoMoreAuthMethodsAvailable => "no_more_auth_methods_available",
        DisconnectReason.IllegalUserName => "illegal_user_name",
        _ => "other",
    }));

    private IEnumerable<Measurement<double>> HostKeyAges(IReadOnlyDictionary<string, HostKeyManager> keySets)
    {
        var now = _time.GetUtcNow();
        foreach (var (name, manager) in keySets)
        {
            foreach (var (algorithm, path) in manager.KeyFiles())
            {
                var file = new FileInfo(path);
                if (file.Exists)
                {
                    yield return new Measurement<double>((now - new DateTimeOffset(file.LastWriteTimeUtc)).TotalSeconds,
                        new("algorithm", algorithm), new("key_set", name));
                }
            }
        }
    }

    private IEnumerable<Measurement<double>> HostCertificateExpiry(IReadOnlyDictionary<string, HostKeyManager> keySets)
    {
        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var (name, manager) in keySets)
        {
            foreach (var certificate in manager.Certificates.Where(c => c.ValidBefore <= long.MaxValue))
            {
                yield return new Measurement<double>((long)certificate.ValidBefore - now,
                    new("algorithm", certificate.CertificateType), new("key_set", name));
            }
        }
    }
}
