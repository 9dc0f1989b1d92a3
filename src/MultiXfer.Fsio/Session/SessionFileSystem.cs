using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;

namespace MultiXfer.Fsio.Session;

/// <summary>
/// What a protocol session gets: a backend root seen through the user's permissions, with crash-safe uploads and
/// one audit line per change. Every protocol goes through this one class, so a permission means the same thing
/// for FTP, SFTP and SCP, extensions included.
/// </summary>
/// <param name="metrics">Where failures on their way to a protocol are counted; null: nowhere.</param>
/// <param name="opens">Where "open for ..." lines go; unset: <paramref name="logger"/>.</param>
internal sealed partial class SessionFileSystem(
    IFileSystem backend, PermissionRules permissions, UploadPolicy uploads, ILogger logger, FsioMetrics? metrics = null, OpenLog? opens = null)
    : IFileSystem
{
    private readonly OpenLog _opens = opens ?? new OpenLog(logger);

    /// <summary>Prefix of in-flight upload files; hidden from listings.</summary>
    internal const string UploadPrefix = ".mxpart-";

    /// <summary>Linux's MAXSYMLINKS.</summary>
    private const int MaxLinkHops = 40;

    /// <summary>
    /// Checks <paramref name="needed"/> on the path as named and, when rules differ between folders, also where it
    /// really lives: a link in a writable folder must not open a way into a read-only one. Operations on a link
    /// itself (delete, rename, lstat) pass <paramref name="followFinalLink"/> false: only its folder is resolved.
    /// </summary>
    private async ValueTask Demand(VirtualPath path, Permission needed, string operation, CancellationToken cancellationToken,
        bool followFinalLink = true)
    {
        if (!permissions.Allows(path, needed))
        {
            LogDenied(operation, path);
            throw FsException.Denied(path, operation);
        }

        if (permissions.IsUniform)
        {
            return;
        }

        var real = followFinalLink || path.IsRoot
            ? await RealLocationAsync(path, cancellationToken)
            : (await RealLocationAsync(path.Parent, cancellationToken)).Append(path.Name);
        if (real != path && !permissions.Allows(real, needed))
        {
            LogDenied(operation, path);
            throw FsException.Denied(path, operation);
        }
    }

    /// <summary>
    /// Where an operation on <paramref name="path"/> really lands: every link resolved, including a final link
    /// whose target does not exist yet (creating through it creates the target).
    /// </summary>
    private async ValueTask<VirtualPath> RealLocationAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        for (int hops = 0; hops <= MaxLinkHops; hops++)
        {
            try
            {
                return await backend.GetRealPathAsync(path, cancellationToken);
            }
            catch (FsException)
            {
                // Missing, or a dangling link: resolve the parent and look at the last name ourselves.
            }

            if (path.IsRoot)
            {
                return path;
            }

            VirtualPath parent;
            try
            {
                parent = await backend.GetRealPathAsync(path.Parent, cancellationToken);
            }
            catch (FsException)
            {
                return path; // No parent: the operation itself will fail.
            }

            var candidate = parent.Append(path.Name);
            string target;
            try
            {
                var status = await backend.GetStatusAsync(candidate, followLinks: false, cancellationToken);
                if (!status.IsSymbolicLink)
                {
                    return candidate;
                }

                target = await backend.ReadSymbolicLinkAsync(candidate, cancellationToken);
            }
            catch (FsException)
            {
                return candidate;
            }

            path = VirtualPath.Resolve(parent, target);
        }

        throw new FsException(FsErrorKind.LinkLoop, $"{path}: too many links");
    }

    private async ValueTask<bool> IsSymbolicLinkAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            return (await backend.GetStatusAsync(path, followLinks: false, cancellationToken)).IsSymbolicLink;
        }
        catch (FsException e) when (e.Kind is FsErrorKind.NotFound)
        {
            return false;
        }
    }

    private async ValueTask<FileStatus?> TryStatAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            return await backend.GetStatusAsync(path, followLinks: true, cancellationToken);
        }
        catch (FsException e) when (e.Kind is FsErrorKind.NotFound)
        {
            return null;
        }
    }

    public async ValueTask<FileStatus> GetStatusAsync(VirtualPath path, bool followLinks, CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.List, "stat", cancellationToken, followLinks);
            return await backend.GetStatusAsync(path, followLinks, cancellationToken);
        }
        catch (FsException e)
        {
            Count("stat", e);
            throw;
        }
    }

    public async ValueTask<IFileHandle> OpenFileAsync(VirtualPath path, FileOpenOptions options, CancellationToken cancellationToken)
    {
        try
        {
            RefuseReserved(path);
            if (!options.Writes)
            {
                await Demand(path, Permission.Download, "download", cancellationToken);
                var reader = await backend.OpenFileAsync(path, options, cancellationToken);
                _opens.Opened("download", path);
                return reader;
            }

            // Permission first, so that whether something exists is only told to those allowed to write there.
            await Demand(path, Permission.Upload, "upload", cancellationToken);
            var existing = options.Create == FileCreateMode.CreateNew ? null : await TryStatAsync(path, cancellationToken);
            if (existing is { IsDirectory: true })
            {
                throw new FsException(FsErrorKind.IsADirectory, $"{path}: is a directory");
            }

            bool replacing = existing is not null;
            await Demand(path, replacing ? Permission.Upload | Permission.Overwrite : Permission.Upload, "upload", cancellationToken);
            if (uploads.Atomic && options.Create == FileCreateMode.Replace)
            {
                // Through a symbolic link (dangling or not) the upload lands where the link points, as open(2) with
                // O_TRUNC would write there, and the link stays a link.
                var target = await IsSymbolicLinkAsync(path, cancellationToken) ? await RealLocationAsync(path, cancellationToken) : path;
                var targetExisting = target == path ? existing : await TryStatAsync(target, cancellationToken);
                var (inner, temporary) = await CreateTemporaryAsync(target, options, cancellationToken);
                if (targetExisting is not null)
                {
                    // The new content replaces the old file, not its access rights: a mode sent with the upload applies
                    // to a file it creates (as with open(2)), so a private file never turns world-readable by an upload.
                    await inner.SetPermissionsAsync(targetExisting.Permissions, cancellationToken);
                }

                _opens.Opened(targetExisting is not null ? "overwrite" : "upload", target);
                return new UploadHandle(inner, target, new UploadTemporary(backend, temporary, Overwrite: targetExisting is not null, uploads.Fsync),
                    this);
            }

            var handle = await backend.OpenFileAsync(path, options, cancellationToken);
            _opens.Opened(replacing ? "modify" : "upload", path);
            return new UploadHandle(handle, path, temporary: null, this);
        }
        catch (FsException e)
        {
            Count("open", e);
            throw;
        }
    }

    /// <summary>
    /// A new hidden temporary beside <paramref name="target"/>, locked for as long as the upload holds it open. A
    /// sweep that took the lock between our create and our lock is removing it: then another name is tried.
    /// </summary>
    private async ValueTask<(IFileHandle File, VirtualPath Path)> CreateTemporaryAsync(VirtualPath target, FileOpenOptions options,
        CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            var temporary = target.Parent.Append(UploadPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
            try
            {
                var file = await backend.OpenFileAsync(temporary, options with { Create = FileCreateMode.CreateNew, ExclusiveLock = true },
                    cancellationToken);
                return (file, temporary);
            }
            catch (FsException e) when (e.Kind == FsErrorKind.LockConflict && attempt < 3)
            {
            }
        }
    }

    internal static bool IsUploadTemporary(string name) => name.StartsWith(UploadPrefix, StringComparison.Ordinal);

    /// <summary>Names of in-flight uploads belong to the server: nobody creates, opens or renames them.</summary>
    private static void RefuseReserved(VirtualPath path)
    {
        if (IsUploadTemporary(path.Name))
        {
            throw new FsException(FsErrorKind.InvalidName, $"{path}: reserved name");
        }
    }

    public IAsyncEnumerable<FsEntry> ListDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) =>
        List(path, cancellationToken);

    private async IAsyncEnumerable<FsEntry> List(VirtualPath path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.List, "list", cancellationToken);
        }
        catch (FsException e)
        {
            Count("list", e);
            throw;
        }

        // Stepped by hand: an entry cannot be yielded from inside a try that counts the listing's failures.
        await using var entries = backend.ListDirectoryAsync(path, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await entries.MoveNextAsync();
            }
            catch (FsException e)
            {
                Count("list", e);
                throw;
            }

            if (!more)
            {
                yield break;
            }

            if (!IsUploadTemporary(entries.Current.Name))
            {
                yield return entries.Current;
            }
        }
    }

    public async ValueTask CreateDirectoryAsync(VirtualPath path, int? permissions, CancellationToken cancellationToken)
    {
        try
        {
            RefuseReserved(path);
            await Demand(path, Permission.CreateDirectory, "mkdir", cancellationToken);
            await backend.CreateDirectoryAsync(path, permissions, cancellationToken);
            LogChanged("mkdir", path);
        }
        catch (FsException e)
        {
            Count("mkdir", e);
            throw;
        }
    }

    public async ValueTask DeleteDirectoryAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.DeleteDirectory, "rmdir", cancellationToken, followFinalLink: false);
            await backend.DeleteDirectoryAsync(path, cancellationToken);
            LogChanged("rmdir", path);
        }
        catch (FsException e)
        {
            Count("rmdir", e);
            throw;
        }
    }

    public async ValueTask DeleteFileAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.Delete, "delete", cancellationToken, followFinalLink: false);
            await backend.DeleteFileAsync(path, cancellationToken);
            LogChanged("delete", path);
        }
        catch (FsException e)
        {
            Count("delete", e);
            throw;
        }
    }

    public async ValueTask RenameAsync(VirtualPath from, VirtualPath to, RenameOptions options, CancellationToken cancellationToken)
    {
        try
        {
            RefuseReserved(from);
            RefuseReserved(to);

            await Demand(from, Permission.Rename, "rename", cancellationToken, followFinalLink: false);
            var target = await TryLstatAsync(to, cancellationToken);
            await Demand(to, target is null ? Permission.Rename : Permission.Rename | Permission.Overwrite, "rename", cancellationToken,
                followFinalLink: false);

            // Without overwrite rights checked, never replace: if the target appeared since the check, fail instead.
            await backend.RenameAsync(from, to, target is null ? options with { Overwrite = false } : options, cancellationToken);
            LogRenamed(from, to);
        }
        catch (FsException e)
        {
            Count("rename", e);
            throw;
        }
    }

    private async ValueTask<FileStatus?> TryLstatAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            return await backend.GetStatusAsync(path, followLinks: false, cancellationToken);
        }
        catch (FsException e) when (e.Kind is FsErrorKind.NotFound)
        {
            return null;
        }
    }

    public async ValueTask CreateSymbolicLinkAsync(VirtualPath link, string target, CancellationToken cancellationToken)
    {
        try
        {
            RefuseReserved(link);
            await Demand(link, Permission.Link, "symlink", cancellationToken, followFinalLink: false);
            await backend.CreateSymbolicLinkAsync(link, target, cancellationToken);
            LogChanged("symlink", link);
        }
        catch (FsException e)
        {
            Count("symlink", e);
            throw;
        }
    }

    /// <summary>
    /// A hard link is the same file under a second name, and the second name gets the rules of where it is. So the
    /// user must already hold, on the existing file, every right over its content and metadata that the new
    /// location would give: otherwise a link into a writable folder would unlock a read-only file.
    /// </summary>
    public async ValueTask CreateHardLinkAsync(VirtualPath existing, VirtualPath link, CancellationToken cancellationToken)
    {
        try
        {
            RefuseReserved(link);
            await Demand(link, Permission.Link, "link", cancellationToken);
            var grantedThere = permissions.For(await RealLocationAsync(link, cancellationToken)) & permissions.For(link);
            var sameFile = Permission.Overwrite | Permission.ChangeMode | Permission.ChangeTimes;
            await Demand(existing, Permission.Download | (grantedThere & sameFile), "link", cancellationToken);
            await backend.CreateHardLinkAsync(existing, link, cancellationToken);
            LogChanged("link", link);
        }
        catch (FsException e)
        {
            Count("link", e);
            throw;
        }
    }

    public async ValueTask<string> ReadSymbolicLinkAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.List, "readlink", cancellationToken, followFinalLink: false);
            return await backend.ReadSymbolicLinkAsync(path, cancellationToken);
        }
        catch (FsException e)
        {
            Count("readlink", e);
            throw;
        }
    }

    public async ValueTask<VirtualPath> GetRealPathAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.List, "realpath", cancellationToken);
            return await backend.GetRealPathAsync(path, cancellationToken);
        }
        catch (FsException e)
        {
            Count("realpath", e);
            throw;
        }
    }

    public async ValueTask SetTimesAsync(VirtualPath path, DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.ChangeTimes, "chtimes", cancellationToken);
            await backend.SetTimesAsync(path, accessedUtc, modifiedUtc, cancellationToken);
            LogChanged("chtimes", path);
        }
        catch (FsException e)
        {
            Count("chtimes", e);
            throw;
        }
    }

    public async ValueTask SetPermissionsAsync(VirtualPath path, int permissions, CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.ChangeMode, "chmod", cancellationToken);
            await backend.SetPermissionsAsync(path, permissions, cancellationToken);
            LogChanged("chmod", path);
        }
        catch (FsException e)
        {
            Count("chmod", e);
            throw;
        }
    }

    public async ValueTask SetLengthAsync(VirtualPath path, long length, CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.Overwrite, "truncate", cancellationToken);
            await backend.SetLengthAsync(path, length, cancellationToken);
            LogChanged("truncate", path);
        }
        catch (FsException e)
        {
            Count("truncate", e);
            throw;
        }
    }

    public async ValueTask<SpaceInfo> GetSpaceAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            await Demand(path, Permission.List, "statvfs", cancellationToken);
            return await backend.GetSpaceAsync(path, cancellationToken);
        }
        catch (FsException e)
        {
            Count("statvfs", e);
            throw;
        }
    }

    public ValueTask DisposeAsync() => backend.DisposeAsync();

    /// <summary>
    /// A failure leaving this layer for a protocol (the probes this layer makes of its own, such as whether a target
    /// exists, are not failures). Every protocol's storage goes through here, so each is counted once, in one place.
    /// </summary>
    internal void Count(string operation, FsException failure) => metrics?.Failed(operation, failure.Kind);

    internal void LogCommitted(VirtualPath path, long bytes) => LogUploadCommitted(path, bytes);

    internal void LogAbandoned(VirtualPath path) => LogUploadAbandoned(path);

    internal void LogFailed(VirtualPath path, FsException failure, bool discarded)
    {
        if (discarded)
        {
            LogUploadDiscarded(path, FsException.Describe(failure.Kind), failure.Message);
        }
        else
        {
            LogWriteFailed(path, FsException.Describe(failure.Kind), failure.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} {Path}")]
    private partial void LogChanged(string operation, VirtualPath path);

    [LoggerMessage(Level = LogLevel.Information, Message = "rename {From} to {To}")]
    private partial void LogRenamed(VirtualPath from, VirtualPath to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} {Path} refused by permissions")]
    private partial void LogDenied(string operation, VirtualPath path);

    [LoggerMessage(Level = LogLevel.Information, Message = "upload complete {Path} ({Bytes} bytes)")]
    private partial void LogUploadCommitted(VirtualPath path, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "upload abandoned {Path}: the target was left as it was")]
    private partial void LogUploadAbandoned(VirtualPath path);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "upload failed {Path}: {Reason}; its temporary was removed and the target left as it was ({Detail})")]
    private partial void LogUploadDiscarded(VirtualPath path, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "write failed {Path}: {Reason}; the bytes written before it stay, nothing more is written through this handle ({Detail})")]
    private partial void LogWriteFailed(VirtualPath path, string reason, string detail);
}
