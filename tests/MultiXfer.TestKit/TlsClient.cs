using System.Net.Security;
using System.Security.Authentication;

namespace MultiXfer.TestKit;

/// <summary>The client side of TLS for tests: trusts any certificate (tests generate self-signed ones).</summary>
public static class TlsClient
{
    public static async Task<SslStream> ConnectAsync(Stream inner, string? serverName = "localhost", IEnumerable<string>? alpn = null,
        SslClientAuthenticationOptions? options = null)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: true);
        options ??= new SslClientAuthenticationOptions();
        options.TargetHost = serverName ?? "";
        options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        options.EnabledSslProtocols = options.EnabledSslProtocols == SslProtocols.None ? SslProtocols.Tls12 | SslProtocols.Tls13 : options.EnabledSslProtocols;
        if (alpn is not null)
        {
            options.ApplicationProtocols = alpn.Select(a => new SslApplicationProtocol(a)).ToList();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await tls.AuthenticateAsClientAsync(options, timeout.Token);
        return tls;
    }
}
