using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MultiXfer.TestKit;
using MultiXfer.TestMetrics;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Transport.Tests;

/// <summary>multixfer.tls.handshakes by outcome, and multixfer.tls.certificate.expiry from the certificate store.</summary>
public sealed class TlsMetricsTests : IDisposable
{
    private const string Handshakes = "multixfer.tls.handshakes";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TestMeterFactory _meters = new();
    private readonly CertificateStore _certificates = new();

    public void Dispose() => _meters.Dispose();

    [Theory]
    [InlineData(SslProtocols.Tls12, "Tls12")]
    [InlineData(SslProtocols.Tls13, "Tls13")]
    public async Task A_handshake_counts_as_a_success_with_its_version(SslProtocols version, string tag)
    {
        _certificates.Replace(new CertificateSet(Certificate("files.example.org", DateTimeOffset.UtcNow.AddDays(30)), []));
        var metrics = new TlsMetrics(_meters, _certificates);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        var server = new TlsServer(_certificates, "ftp", metrics);
        var (serverSide, clientSide) = await ConnectedPairAsync();
        await using (serverSide)
        await using (clientSide)
        {
            var accepted = server.AcceptAsync(serverSide, leaveInnerOpen: false, TlsPurpose.Implicit, Timeout, CancellationToken.None);
            await using var client = await TlsClient.ConnectAsync(clientSide, "files.example.org", ["ftp"],
                new SslClientAuthenticationOptions { EnabledSslProtocols = version });
            await using var session = (await accepted).Stream;
        }

        Assert.Equal([$"protocol=ftp,purpose=implicit,reason=none,result=success,version={tag} 1"], recorder.Lines(Handshakes));
    }

    [Fact]
    public async Task A_client_that_does_not_speak_tls_is_a_protocol_error()
    {
        _certificates.Replace(new CertificateSet(Certificate("files.example.org", DateTimeOffset.UtcNow.AddDays(30)), []));
        var metrics = new TlsMetrics(_meters, _certificates);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        var server = new TlsServer(_certificates, "ftp", metrics);
        var (serverSide, clientSide) = await ConnectedPairAsync();
        await using (serverSide)
        await using (clientSide)
        {
            var accepted = server.AcceptAsync(serverSide, leaveInnerOpen: false, TlsPurpose.Control, Timeout, CancellationToken.None);
            await clientSide.WriteAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
            await Assert.ThrowsAsync<AuthenticationException>(() => accepted);
        }

        Assert.Equal(["protocol=ftp,purpose=control,reason=protocol_error,result=failure,version=none 1"], recorder.Lines(Handshakes));
    }

    [Fact]
    public async Task A_silent_client_is_a_timeout_and_a_closed_one_something_else()
    {
        _certificates.Replace(new CertificateSet(Certificate("files.example.org", DateTimeOffset.UtcNow.AddDays(30)), []));
        var metrics = new TlsMetrics(_meters, _certificates);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        var server = new TlsServer(_certificates, "ftp", metrics);
        var (silent, silentClient) = await ConnectedPairAsync();
        await using (silent)
        await using (silentClient)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                server.AcceptAsync(silent, leaveInnerOpen: false, TlsPurpose.Data, TimeSpan.FromMilliseconds(200), CancellationToken.None));
        }

        var (closed, closingClient) = await ConnectedPairAsync();
        await using (closed)
        {
            var accepted = server.AcceptAsync(closed, leaveInnerOpen: false, TlsPurpose.Data, Timeout, CancellationToken.None);
            await closingClient.DisposeAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => accepted);
        }

        Assert.Equal(
        [
            "protocol=ftp,purpose=data,reason=timeout,result=failure,version=none 1",
            "protocol=ftp,purpose=data,reason=other,result=failure,version=none 1",
        ], recorder.Lines(Handshakes));
    }

    [Fact]
    public async Task Without_a_certificate_the_failure_is_the_certificate()
    {
        var metrics = new TlsMetrics(_meters, _certificates);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        var server = new TlsServer(_certificates, "ftp", metrics);
        await Assert.ThrowsAsync<AuthenticationException>(() =>
            server.AcceptAsync(Stream.Null, leaveInnerOpen: false, TlsPurpose.Control, Timeout, CancellationToken.None));

        Assert.Equal(["protocol=ftp,purpose=control,reason=certificate,result=failure,version=none 1"], recorder.Lines(Handshakes));
    }

    [Fact]
    public void Certificate_expiry_is_read_from_the_store_at_each_scrape()
    {
        var now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var metrics = new TlsMetrics(_meters, _certificates, new FixedClock(now));
        using var recorder = new MeasurementRecorder(metrics.Meter);
        Assert.Empty(recorder.Observe("multixfer.tls.certificate.expiry"));

        var first = Certificate("files.example.org", now.AddDays(10));
        var second = Certificate("other.example.org", now.AddDays(-1));
        _certificates.Replace(new CertificateSet(first, [second]));
        var expiry = recorder.Observe("multixfer.tls.certificate.expiry");

        Assert.Equal(
        [
            $"fingerprint={first.Fingerprint[..16]},server_name=files.example.org 864000",
            $"fingerprint={second.Fingerprint[..16]},server_name=other.example.org -86400",
        ], expiry.Select(e => e.ToString()));
    }

    /// <summary>A self-signed certificate for <paramref name="name"/> (a DNS name), valid until <paramref name="notAfter"/>.</summary>
    private static ServerCertificate Certificate(string name, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(notAfter.AddDays(-60), notAfter);
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        return new ServerCertificate(SslStreamCertificateContext.Create(certificate, null, offline: true), [name]);
    }

    /// <summary>Both ends of a loopback TCP connection, each stream owning its socket.</summary>
    private static async Task<(NetworkStream Server, NetworkStream Client)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await listener.AcceptAsync();
        return (new NetworkStream(server, ownsSocket: true), new NetworkStream(client, ownsSocket: true));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
