namespace MultiXfer.Connections;

/// <summary>
/// The "Sftp" section: the highest protocol version offered and the extension set. <c>Extensions</c> lists
/// names to enable exactly, or "+name"/"-name" changes to the full default set; the same shape overrides per user
/// (<c>Users:NAME:Sftp</c>).
/// </summary>
public sealed class SftpOptions
{
    public const string Section = "Sftp";

    public int MaxVersion { get; set; } = 6;

    public List<string>? Extensions { get; set; }

    /// <summary>Files and directories one session may hold open at once.</summary>
    public int MaxOpenHandles { get; set; } = 512;
}

/// <summary>SFTP overrides for one listener or one user; unset members keep the value from the level above.</summary>
public sealed class SftpOverrideOptions
{
    public int? MaxVersion { get; set; }

    public List<string>? Extensions { get; set; }
}
