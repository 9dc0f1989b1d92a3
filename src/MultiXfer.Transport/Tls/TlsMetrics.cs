using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MultiXfer.Transport.Tls;

/// <summary>Where a server handshake runs: what the client connected for.</summary>
public enum TlsPurpose
{
    /// <summary>A control connection upgraded by a command (FTP's AUTH TLS).</summary>
    Control,

    /// <summary>A connection that starts with TLS (implicit FTPS).</summary>
    Implicit,

    /// <summary>A data connection (FTP's PROT P).</summary>
    Data,
}

/// <summary>
/// TLS as metrics: every server handshake by its outcome, and how long the certificates in service have left (read
/// from the <see cref="CertificateStore"/> at each scrape, so a rotation shows at once).
/// </summary>
public sealed class TlsMetrics
{
    public const string MeterName = "MultiXfer.Tls";

    /// <summary>Hex digits of a certificate's SHA-256 fingerprint in its tag: enough to tell two apart.</summary>
    private const int FingerprintPrefixLength = 16;

    private readonly Counter<long> _handshakes;
    private readonly TimeProvider _time;

    /// <param name="certificates">The store whose certificates' expiry is reported; null: none.</param>
    public TlsMetrics(IMeterFactory meters, CertificateStore? certificates = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Meter = meters.Create(MeterName);
        _handshakes = Meter.CreateCounter<long>("multixfer.tls.handshakes", "{handshake}",
            "Server TLS handshakes, by protocol, purpose (control, implicit, data), result, failure reason and TLS version");
        if (certificates is not null)
        {
            Meter.CreateObservableGauge("multixfer.tls.certificate.expiry", () => Expiry(certificates), "s",
                "Seconds until each certificate in service expires (negative once it has), by server name and fingerprint");
        }
    }

    public Meter Meter { get; }

    internal void Succeeded(string protocol, TlsPurpose purpose, SslProtocols version) =>
        _handshakes.Add(1, Tags(protocol, purpose, "success", "none", version switch
        {
            SslProtocols.Tls13 => "Tls13",
            SslProtocols.Tls12 => "Tls12",
            _ => "other",
        }));

    /// <param name="reason">timeout, protocol_error, certificate or other.</param>
    internal void Failed(string protocol, TlsPurpose purpose, string reason) =>
        _handshakes.Add(1, Tags(protocol, purpose, "failure", reason, "none"));

    private static TagList Tags(string protocol, TlsPurpose purpose, string result, string reason, string version) => new()
    {
        { "protocol", protocol },
        { "purpose", purpose switch { TlsPurpose.Implicit => "implicit", TlsPurpose.Data => "data", _ => "control" } },
        { "result", result },
        { "reason", reason },
        { "version", version },
    };

    private IEnumerable<Measurement<double>> Expiry(CertificateStore certificates)
    {
        var now = _time.GetUtcNow();
        foreach (var certificate in certificates.Current?.All ?? [])
        {
            var leaf = certificate.Leaf;
            yield return new Measurement<double>((new DateTimeOffset(leaf.NotAfter.ToUniversalTime()) - now).TotalSeconds,
                new("server_name", leaf.GetNameInfo(X509NameType.DnsName, forIssuer: false)),
                new("fingerprint", certificate.Fingerprint[..FingerprintPrefixLength]));
        }
    }
}
