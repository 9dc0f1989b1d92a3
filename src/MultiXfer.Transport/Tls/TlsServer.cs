using System.Net.Security;
using System.Security.Authentication;

namespace MultiXfer.Transport.Tls;

/// <summary>A completed server handshake: the stream and what the client asked for.</summary>
public sealed record TlsSession(SslStream Stream, string? ServerName)
{
    public string Describe() => $"{Stream.SslProtocol} {Stream.NegotiatedCipherSuite}";
}

/// <summary>
/// Server-side TLS with one policy for every protocol that uses it: TLS 1.2 and 1.3 only, no renegotiation,
/// the protocol's own ALPN name only (a client offering only other names gets alert 120, as ALPACA mitigations
/// require), certificate chosen by SNI from the current set. Session resumption stays on: certificate contexts
/// are reused and no CipherSuitesPolicy is set, because setting one turns off .NET's server session cache; the
/// suites are restricted to forward-secret AEAD ones through OpenSSL's configuration instead (the server's
/// openssl-multixfer.cnf).
/// </summary>
/// <param name="metrics">Where handshakes are counted; null: nowhere.</param>
public sealed class TlsServer(CertificateStore certificates, string applicationProtocol, TlsMetrics? metrics = null)
{
    private readonly List<SslApplicationProtocol> _alpn = [new(applicationProtocol)];

    public bool HasCertificates => certificates.Current is not null;

    /// <summary>
    /// Runs the server side of a handshake over <paramref name="inner"/>. With <paramref name="leaveInnerOpen"/>
    /// the stream underneath survives the TLS layer (FTP's CCC returns to it). A client that sends no SNI gets the
    /// certificate for <paramref name="fallbackServerName"/> (an FTP data connection: the control connection's).
    /// </summary>
    /// <exception cref="AuthenticationException">The handshake failed (not TLS, refused ALPN, bad version).</exception>
    /// <exception cref="OperationCanceledException">The handshake took longer than <paramref name="timeout"/>.</exception>
    public async Task<TlsSession> AcceptAsync(Stream inner, bool leaveInnerOpen, TlsPurpose purpose, TimeSpan timeout,
        CancellationToken cancellationToken, string? fallbackServerName = null)
    {
        if (certificates.Current is not { } set)
        {
            metrics?.Failed(applicationProtocol, purpose, "certificate");
            throw new AuthenticationException("no certificate is loaded");
        }

        var ssl = new SslStream(inner, leaveInnerOpen);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string? serverName = null;
        try
        {
            await ssl.AuthenticateAsServerAsync((_, hello, _, _) =>
            {
                serverName = string.IsNullOrEmpty(hello.ServerName) ? fallbackServerName : hello.ServerName;
                return ValueTask.FromResult(Options(set.Select(serverName)));
            }, null, deadline.Token);
            metrics?.Succeeded(applicationProtocol, purpose, ssl.SslProtocol);
            return new TlsSession(ssl, serverName);
        }
        catch (Exception e)
        {
            metrics?.Failed(applicationProtocol, purpose, e switch
            {
                OperationCanceledException when !cancellationToken.IsCancellationRequested => "timeout",
                AuthenticationException => "protocol_error",
                _ => "other",
            });
            await ssl.DisposeAsync();
            throw;
        }
    }

    private SslServerAuthenticationOptions Options(ServerCertificate certificate) => new()
    {
        ServerCertificateContext = certificate.Context,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        AllowRenegotiation = false,
        AllowTlsResume = true,
        ClientCertificateRequired = false,
        ApplicationProtocols = _alpn,
    };
}
