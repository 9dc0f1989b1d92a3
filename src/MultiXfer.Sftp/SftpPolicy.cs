using MultiXfer.Fsio;

namespace MultiXfer.Sftp;

/// <summary>What one SFTP session may do, resolved from the global, virtual-host and user settings.</summary>
public sealed class SftpPolicy
{
    public const int MinVersion = 3;
    public const int HighestVersion = 6;

    /// <summary>The highest protocol version offered (3 to 6).</summary>
    public int MaxVersion { get; init; } = HighestVersion;

    public IReadOnlySet<string> Extensions { get; init; } = new HashSet<string>(SftpExtensions.All, StringComparer.Ordinal);

    /// <summary>Where relative paths start ("." of REALPATH).</summary>
    public VirtualPath StartDirectory { get; init; } = VirtualPath.Root;

    /// <summary>Handles one session may hold open at once (announced by limits@openssh.com).</summary>
    public int MaxOpenHandles { get; init; } = 512;

    /// <summary>
    /// Request names (as sftp-server -Q requests lists them) a session may not use; PERMISSION_DENIED for them.
    /// Null allows every request.
    /// </summary>
    public IReadOnlySet<string>? DeniedRequests { get; init; }

    /// <summary>If set, only these request names are allowed (sftp-server -p).</summary>
    public IReadOnlySet<string>? AllowedRequests { get; init; }

    /// <summary>The user's home for "~" in expand-path and for home-directory; the root for virtual users.</summary>
    public VirtualPath HomeDirectory { get; init; } = VirtualPath.Root;

    /// <summary>The logged-in user's name: "~name" and home-directory answer for it alone.</summary>
    public string UserName { get; init; } = "";

    /// <summary>statvfs reports the file system read-only (ST_RDONLY) for users who cannot write.</summary>
    public bool ReadOnly { get; init; }

    public bool IsPermitted(string requestName) =>
        (AllowedRequests is null || AllowedRequests.Contains(requestName)) &&
        (DeniedRequests is null || !DeniedRequests.Contains(requestName));
}
