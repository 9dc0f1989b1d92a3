namespace MultiXfer.Server.Configuration;

/// <summary>The <c>Tls</c> section: the certificates FTPS serves.</summary>
public sealed class TlsOptions
{
    public const string Section = "Tls";

    /// <summary>
    /// PEM certificate (leaf first, then any chain) or a PKCS#12 file (.pfx/.p12). Unset: tls.crt in
    /// Server:KeysDirectory (with tls.key beside it). Missing files inside Server:KeysDirectory are generated
    /// (self-signed) on first start; missing files elsewhere are an error.
    /// </summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>PEM private key; empty for PKCS#12. Unset along with the certificate: tls.key in Server:KeysDirectory.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>Password of an encrypted PEM key or a PKCS#12 file.</summary>
    public string Password { get; set; } = "";

    /// <summary>More certificates, chosen by the SNI name a client sends; the one above is the default.</summary>
    public List<CertificateOptions> Certificates { get; set; } = [];

    public int HandshakeTimeoutSeconds { get; set; } = 10;
}

/// <summary>One more certificate for SNI.</summary>
public sealed class CertificateOptions
{
    public string CertificateFile { get; set; } = "";

    public string KeyFile { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>Names (or *.domain wildcards) that select this certificate; empty uses its DNS subject alternative names.</summary>
    public List<string> ServerNames { get; set; } = [];
}
