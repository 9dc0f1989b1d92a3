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

    /// <summary>
    /// Whether <paramref name="granted"/> allows <paramref name="protocol"/>. "ssh" is the SSH login itself, before the
    /// session says whether it will run SFTP or SCP: it is allowed to users who may use either.
    /// </summary>
    public static bool Allow(IEnumerable<string> granted, string protocol) => protocol == Ssh
        ? granted.Contains(Sftp) || granted.Contains(Scp)
        : granted.Contains(protocol);
}
