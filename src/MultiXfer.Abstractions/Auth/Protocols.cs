namespace MultiXfer.Auth;

/// <summary>The protocol names used in configuration (<c>Users:*:Protocols</c>) and in logs.</summary>
public static class Protocols
{
    public const string Ftp = "ftp";
    public const string Ftps = "ftps";
    public const string Sftp = "sftp";
    public const string Scp = "scp";

    public static readonly IReadOnlyList<string> All = [Ftp, Ftps, Sftp, Scp];

    /// <summary>Not configurable: an SSH login, allowed to users of <see cref="Sftp"/> or <see cref="Scp"/>.</summary>
    public const string Ssh = "ssh";
}
