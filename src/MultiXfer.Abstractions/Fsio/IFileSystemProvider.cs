using MultiXfer.Auth;

namespace MultiXfer.Fsio;

/// <summary>
/// Opens a user's rooted, permission-checked view of storage for one session. Audit lines it writes carry the
/// caller's logging scope (connection id, address, user).
/// </summary>
public interface IFileSystemProvider
{
    /// <summary>
    /// The session's view. With <see cref="UserAccount.Usage"/> attached, the account's disk usage is kept (counted
    /// first by a scan if it is not known yet) and its quotas and daily allowances hold.
    /// </summary>
    ValueTask<IFileSystem> OpenAsync(UserAccount user, CancellationToken cancellationToken);

    /// <summary>Counts what the user's root holds now (a quota scan), bypassing permissions.</summary>
    Task<MultiXfer.Limits.DiskUsage> ScanUsageAsync(UserAccount user, CancellationToken cancellationToken);
}
