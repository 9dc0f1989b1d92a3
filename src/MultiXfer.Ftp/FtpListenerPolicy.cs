using MultiXfer.Transport.FrontEnd;

namespace MultiXfer.Ftp;

/// <summary>What one FTP listener demands of TLS (Listeners:NAME:Protocol, RequireTlsForLogin, RequireTlsForData).</summary>
/// <param name="ImplicitTls">"ftps-implicit": TLS starts before the greeting; data is protected unless PROT C.</param>
/// <param name="Proxy">The listener's PROXY policy, which passive data connections through the same proxy follow.</param>
public sealed record FtpListenerPolicy(bool ImplicitTls, bool RequireTlsForLogin, bool RequireTlsForData, ProxyPolicy Proxy)
{
    /// <summary>An implicit FTPS listener always requires TLS for login: CCC, and then plaintext USER, stay closed.</summary>
    public static FtpListenerPolicy For(bool implicitTls, bool requireTlsForLogin, bool requireTlsForData, ProxyPolicy proxy) =>
        new(implicitTls, requireTlsForLogin || implicitTls, requireTlsForData, proxy);

    public string Protocol => ImplicitTls ? "ftps-implicit" : "ftp";
}
