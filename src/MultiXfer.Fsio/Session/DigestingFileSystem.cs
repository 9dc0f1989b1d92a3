namespace MultiXfer.Fsio.Session;

/// <summary>
/// Logging:AuditSha256 as a layer of its own over a session's file system: each file opened for a transfer comes back
/// as a <see cref="DigestingFileHandle"/>, so the audit log can name the SHA-256 of what moved. Appends are left alone
/// (they move the end of a file, never the whole). Everything else passes through.
/// </summary>
internal sealed class DigestingFileSystem(IFileSystem inner) : IFileSystem
{
    public async ValueTask<IFileHandle> OpenFileAsync(VirtualPath path, FileOpenOptions options, CancellationToken cancellationToken)
    {
        var handle = await inner.OpenFileAsync(path, options, cancellationToken);
        return options.Append ? handle : new DigestingFileHandle(handle);
    }

    public ValueTask<FileStatus> GetStatusAsync(VirtualPath path, bool followLinks, CancellationToken cancellationToken) =>
        inner.GetStatusAsync(path, followLinks, cancellationToken);

    public IAsyncEnumerable<FsEntry> ListDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) =>
        inner.ListDirectoryAsync(path, cancellationToken);

    public ValueTask CreateDirectoryAsync(VirtualPath path, int? permissions, CancellationToken cancellationToken) =>
        inner.CreateDirectoryAsync(path, permissions, cancellationToken);

    public ValueTask DeleteDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) => inner.DeleteDirectoryAsync(path, cancellationToken);

    public ValueTask DeleteFileAsync(VirtualPath path, CancellationToken cancellationToken) => inner.DeleteFileAsync(path, cancellationToken);

    public ValueTask RenameAsync(VirtualPath from, VirtualPath to, RenameOptions options, CancellationToken cancellationToken) =>
        inner.RenameAsync(from, to, options, cancellationToken);

    public ValueTask CreateSymbolicLinkAsync(VirtualPath link, string target, CancellationToken cancellationToken) =>
        inner.CreateSymbolicLinkAsync(link, target, cancellationToken);

    public ValueTask CreateHardLinkAsync(VirtualPath existing, VirtualPath link, CancellationToken cancellationToken) =>
        inner.CreateHardLinkAsync(existing, link, cancellationToken);

    public ValueTask<string> ReadSymbolicLinkAsync(VirtualPath path, CancellationToken cancellationToken) => inner.ReadSymbolicLinkAsync(path, cancellationToken);

    public ValueTask<VirtualPath> GetRealPathAsync(VirtualPath path, CancellationToken cancellationToken) => inner.GetRealPathAsync(path, cancellationToken);

    public ValueTask SetTimesAsync(VirtualPath path, DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken) =>
        inner.SetTimesAsync(path, accessedUtc, modifiedUtc, cancellationToken);

    public ValueTask SetPermissionsAsync(VirtualPath path, int permissions, CancellationToken cancellationToken) =>
        inner.SetPermissionsAsync(path, permissions, cancellationToken);

    public ValueTask SetLengthAsync(VirtualPath path, long length, CancellationToken cancellationToken) => inner.SetLengthAsync(path, length, cancellationToken);

    public ValueTask<SpaceInfo> GetSpaceAsync(VirtualPath path, CancellationToken cancellationToken) => inner.GetSpaceAsync(path, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
