using MultiXfer.Fuzz.Targets;

namespace MultiXfer.Fuzz;

/// <summary>One harness: its id (the corpus and regression folder name), what it drives, and the entry point.</summary>
public sealed record FuzzTarget(string Name, string Summary, Action<byte[]> Run);

/// <summary>Every target, by hand (no reflection): the order is the campaign's.</summary>
public static class FuzzTargets
{
    /// <summary>Inputs are cut here; AFL's own limit is 1 MiB, and no protocol step needs more than an SFTP WRITE.</summary>
    public const int MaxInputBytes = 512 * 1024;

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("ssh-packet", "SSH binary packet framing, every cipher/MAC, zlib (PacketReader)", SshPacketTarget.Run),
        new("ssh-userauth", "ssh-userauth requests over a real encrypted in-process session", SshUserAuthTarget.Run),
        new("sftp", "SFTP v3-6 requests through SftpSession over memory storage", SftpTarget.Run),
        new("ftp-control", "FTP control connection through FtpSession, passive data included", FtpControlTarget.Run),
        new("ssh-kex", "KEXINIT and key exchange messages through the real transport", SshKexTarget.Run),
        new("ssh-connection", "ssh-connection channels and requests after login", SshConnectionTarget.Run),
        new("proxy", "PROXY protocol v1/v2 header parser", Guarded(ProxyTarget.Run)),
        new("scp", "scp command line and sink/source control lines", ScpTarget.Run),
        new("authorized-keys", "authorized_keys lines and options", Guarded(AuthorizedKeysTarget.Run)),
        new("key-files", "OpenSSH/PEM/PKCS#8 private key files and public key blobs", Guarded(KeyFilesTarget.Run)),
        new("certificates", "OpenSSH certificate blobs and KRL/key-list revocation files", Guarded(CertificatesTarget.Run)),
        new("detector", "auto listener first-byte classification", Guarded(DetectorTarget.Run)),
        new("ssh-identification", "SSH identification line and first raw packets", SshIdentificationTarget.Run),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>
    /// Synchronous parsers get a deadline too: an endless loop must become a reported failure, not an AFL timeout
    /// (which would kill SharpFuzz's fork server, see Harness.Run).
    /// </summary>
    private static Action<byte[]> Guarded(Action<byte[]> run) => data =>
        Support.Harness.Run(_ =>
        {
            run(data);
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(5), "parser");
}
