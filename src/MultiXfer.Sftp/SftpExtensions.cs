namespace MultiXfer.Sftp;

/// <summary>
/// The extensions this server implements, by the names configuration uses (the names they are advertised under in
/// SSH_FXP_VERSION). <c>check-file</c> covers check-file-handle and check-file-name, <c>versions</c> covers
/// version-select.
/// </summary>
public static class SftpExtensions
{
    public const string PosixRename = "posix-rename@openssh.com";
    public const string Statvfs = "statvfs@openssh.com";
    public const string Fstatvfs = "fstatvfs@openssh.com";
    public const string Hardlink = "hardlink@openssh.com";
    public const string Fsync = "fsync@openssh.com";
    public const string Lsetstat = "lsetstat@openssh.com";
    public const string Limits = "limits@openssh.com";
    public const string ExpandPath = "expand-path@openssh.com";
    public const string CopyData = "copy-data";
    public const string HomeDirectory = "home-directory";
    public const string UsersGroupsById = "users-groups-by-id@openssh.com";
    public const string VendorId = "vendor-id";
    public const string Supported = "supported";
    public const string Supported2 = "supported2";
    public const string Versions = "versions";
    public const string Newline = "newline";
    public const string CheckFile = "check-file";
    public const string CopyFile = "copy-file";
    public const string SpaceAvailable = "space-available";

    public static readonly IReadOnlyList<string> All =
    [
        PosixRename, Statvfs, Fstatvfs, Hardlink, Fsync, Lsetstat, Limits, ExpandPath, CopyData, HomeDirectory,
        UsersGroupsById, VendorId, Supported, Supported2, Versions, Newline, CheckFile, CopyFile, SpaceAvailable,
    ];

    /// <summary>
    /// Applies a configured list to <paramref name="baseSet"/>: "+name" adds, "-name" removes; a list with any
    /// bare name replaces the base set with exactly the bare names (then +/- apply). Unknown names are reported.
    /// </summary>
    public static IReadOnlySet<string> Resolve(IReadOnlySet<string> baseSet, IEnumerable<string>? configured, ICollection<string>? unknown = null)
    {
        if (configured is null)
        {
            return baseSet;
        }

        var list = configured.Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
        var result = list.Any(s => s[0] is not ('+' or '-'))
            ? new HashSet<string>(StringComparer.Ordinal)
            : new HashSet<string>(baseSet, StringComparer.Ordinal);
        foreach (string entry in list)
        {
            string name = entry[0] is '+' or '-' ? entry[1..] : entry;
            if (!All.Contains(name))
            {
                unknown?.Add(name);
                continue;
            }

            if (entry[0] == '-')
            {
                result.Remove(name);
            }
            else
            {
                result.Add(name);
            }
        }

        return result;
    }
}
