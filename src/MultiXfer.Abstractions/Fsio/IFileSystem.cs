namespace MultiXfer.Fsio;

/// <summary>
/// One user's rooted view of storage. Every path is a <see cref="VirtualPath"/> inside that root; symbolic links
/// are resolved as if the root were '/' (a chroot), so nothing outside the root is reachable and a path outside
/// the root answers exactly like a missing path inside it. Failures throw <see cref="FsException"/>.
/// </summary>
public interface IFileSystem : IAsyncDisposable
{
    /// <summary>stat (follows the final link) or lstat (does not).</summary>
    ValueTask<FileStatus> GetStatusAsync(VirtualPath path, bool followLinks, CancellationToken cancellationToken);

    ValueTask<IFileHandle> OpenFileAsync(VirtualPath path, FileOpenOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Streams the entries of a directory (without '.' and '..'), never holding the whole directory in memory.
    /// Entries are lstat'ed: links are reported as links.
    /// </summary>
    IAsyncEnumerable<FsEntry> ListDirectoryAsync(VirtualPath path, CancellationToken cancellationToken);

    ValueTask CreateDirectoryAsync(VirtualPath path, int? permissions, CancellationToken cancellationToken);

    ValueTask DeleteDirectoryAsync(VirtualPath path, CancellationToken cancellationToken);

    ValueTask DeleteFileAsync(VirtualPath path, CancellationToken cancellationToken);

    ValueTask RenameAsync(VirtualPath from, VirtualPath to, RenameOptions options, CancellationToken cancellationToken);

    /// <summary>Creates <paramref name="link"/> pointing at <paramref name="target"/>, stored as given.</summary>
    ValueTask CreateSymbolicLinkAsync(VirtualPath link, string target, CancellationToken cancellationToken);

    ValueTask CreateHardLinkAsync(VirtualPath existing, VirtualPath link, CancellationToken cancellationToken);

    ValueTask<string> ReadSymbolicLinkAsync(VirtualPath path, CancellationToken cancellationToken);

    /// <summary>The canonical path of an existing entry with every link resolved inside the root.</summary>
    ValueTask<VirtualPath> GetRealPathAsync(VirtualPath path, CancellationToken cancellationToken);

    ValueTask SetTimesAsync(VirtualPath path, DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken);

    ValueTask SetPermissionsAsync(VirtualPath path, int permissions, CancellationToken cancellationToken);

    ValueTask SetLengthAsync(VirtualPath path, long length, CancellationToken cancellationToken);

    ValueTask<SpaceInfo> GetSpaceAsync(VirtualPath path, CancellationToken cancellationToken);
}
