using MultiXfer.Auth;

namespace MultiXfer.Fsio;

/// <summary>
/// Opens a user's rooted, permission-checked view of storage for one session. Audit lines it writes carry the
/// caller's logging scope (connection id, address, user).
/// </summary>
public interface IFileSystemProvider
{
    ValueTask<IFileSystem> OpenAsync(UserAccount user, CancellationToken cancellationToken);
}
