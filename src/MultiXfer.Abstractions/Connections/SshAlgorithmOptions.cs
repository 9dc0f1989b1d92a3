namespace MultiXfer.Connections;

/// <summary>
/// Which SSH algorithms are offered, in preference order, by name as OpenSSH spells them. Unset lists mean the
/// built-in hardened defaults. Used for the global <c>Ssh</c> section and overridden per listener
/// (<c>Listeners:NAME:Ssh</c>).
/// </summary>
public class SshAlgorithmOptions
{
    public List<string>? KexAlgorithms { get; set; }

    public List<string>? HostKeyAlgorithms { get; set; }

    public List<string>? Ciphers { get; set; }

    public List<string>? Macs { get; set; }

    /// <summary>"none" and/or "zlib@openssh.com" (compression after authentication).</summary>
    public List<string>? Compression { get; set; }
}
