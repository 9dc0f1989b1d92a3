namespace MultiXfer.Ftp;

/// <summary>What one FTP listener demands of TLS (Listeners:NAME:Protocol, RequireTlsForLogin, RequireTlsForData).</summary>
/// <param name="ImplicitTls">"ftps-implicit": TLS starts before the greeting; data is protected unless PROT C.</param>
public sealed record FtpListenerPolicy(bool ImplicitTls, bool RequireTlsForLogin, bool RequireTlsForData)
{
    public static FtpListenerPolicy Plain { get; } = new(false, false, false);

    public string Protocol => ImplicitTls ? "ftps-implicit" : "ftp";
}
