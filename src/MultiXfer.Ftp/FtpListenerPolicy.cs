namespace MultiXfer.Ftp;

/// <summary>What one FTP listener demands of TLS (Listeners:NAME:Protocol, RequireTlsForLogin, RequireTlsForData).</summary>
/// <param name="ImplicitTls">"ftps-implicit": TLS starts before the greeting; data is protected unless PROT C.</param>
public sealed record FtpListenerPolicy(bool ImplicitTls, bool RequireTlsForLogin, bool RequireTlsForData)
{
    /// <summary>An implicit FTPS listener always requires TLS for login: CCC, and then plaintext USER, stay closed.</summary>
    public static FtpListenerPolicy For(bool implicitTls, bool requireTlsForLogin, bool requireTlsForData) =>
        new(implicitTls, requireTlsForLogin || implicitTls, requireTlsForData);

    public string Protocol => ImplicitTls ? "ftps-implicit" : "ftp";
}
