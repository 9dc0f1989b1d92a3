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
internal sealed partial class SessionFileSystem(
    IFileSystem backend, PermissionRules permissions, bool atomicUploads, ILogger logger) : IFileSystem
{
    /// <summary>Prefix of in-flight upload files; hidden from listings.</summary>
    internal const string UploadPrefix = ".mxpart-";

    /// <summary>
    /// Checks <paramref name="needed"/> on the path as named and, when rules differ between folders, also where it
    /// really lives: a link in a writable folder must not open a way into a read-only one.
    /// </summary>
    private async ValueTask Demand(VirtualPath path, Permission needed, string operation, CancellationToken cancellationToken)
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

        var real = await RealLocationAsync(path, cancellationToken);
        if (real != path && !permissions.Allows(real, needed))
        {
            LogDenied(operation, path);
            throw FsException.Denied(path, operation);
        }
    }

    private async ValueTask<VirtualPath> RealLocationAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        try
        {
            return await backend.GetRealPathAsync(path, cancellationToken);
        }
        catch (FsException)
        {
            try
            {
                return path.IsRoot ? path : (await backend.GetRealPathAsync(path.Parent, cancellationToken)).Append(path.Name);
            }
            catch (FsException)
            {
                return path; // Neither exists: the operation itself will fail.
            }
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
        await Demand(path, Permission.List, "stat", cancellationToken);
        return await backend.GetStatusAsync(path, followLinks, cancellationToken);
    }

    public async ValueTask<IFileHandle> OpenFileAsync(VirtualPath path, FileOpenOptions options, CancellationToken cancellationToken)
    {
        if (IsUploadTemporary(path.Name))
        {
            throw new FsException(FsErrorKind.InvalidName, $"{path}: reserved name");
        }

        if (!options.Writes)
        {
            await Demand(path, Permission.Download, "download", cancellationToken);
            var reader = await backend.OpenFileAsync(path, options, cancellationToken);
            LogOpened("download", path);
            return reader;
        }

        var existing = options.Create == FileCreateMode.CreateNew ? null : await TryStatAsync(path, cancellationToken);
        if (existing is { IsDirectory: true })
        {
            throw new FsException(FsErrorKind.IsADirectory, $"{path}: is a directory");
        }

        bool replacing = existing is not null;
        await Demand(path, replacing ? Permission.Upload | Permission.Overwrite : Permission.Upload, "upload", cancellationToken);
        if (atomicUploads && options.Create == FileCreateMode.Replace)
        {
            var temporary = path.Parent.Append(UploadPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
            var inner = await backend.OpenFileAsync(temporary, options with { Create = FileCreateMode.CreateNew }, cancellationToken);
            LogOpened(replacing ? "overwrite" : "upload", path);
            return new AtomicUploadHandle(backend, inner, temporary, path, this);
        }

        var handle = await backend.OpenFileAsync(path, options, cancellationToken);
        LogOpened(replacing ? "modify" : "upload", path);
        return handle;
    }

    internal static bool IsUploadTemporary(string name) => name.StartsWith(UploadPrefix, StringComparison.Ordinal);

    public IAsyncEnumerable<FsEntry> ListDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) =>
        List(path, cancellationToken);

    private async IAsyncEnumerable<FsEntry> List(VirtualPath path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Demand(path, Permission.List, "list", cancellationToken);
        await foreach (var entry in backend.ListDirectoryAsync(path, cancellationToken).WithCancellation(cancellationToken))
        {
            if (!IsUploadTemporary(entry.Name))
            {
                yield return entry;
            }
        }
    }

    public async ValueTask CreateDirectoryAsync(VirtualPath path, int? permissions, CancellationToken cancellationToken)
    {
        await Demand(path, Permission.CreateDirectory, "mkdir", cancellationToken);
        await backend.CreateDirectoryAsync(path, permissions, cancellationToken);
        LogChanged("mkdir", path);
    }

    public async ValueTask DeleteDirectoryAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        await Demand(path, Permission.DeleteDirectory, "rmdir", cancellationToken);
        await backend.DeleteDirectoryAsync(path, cancellationToken);
        LogChanged("rmdir", path);
    }

    public async ValueTask DeleteFileAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        await Demand(path, Permission.Delete, "delete", cancellationToken);
        await backend.DeleteFileAsync(path, cancellationToken);
        LogChanged("delete", path);
    }

    public async ValueTask RenameAsync(VirtualPath from, VirtualPath to, RenameOptions options, CancellationToken cancellationToken)
    {
        if (IsUploadTemporary(to.Name) || IsUploadTemporary(from.Name))
        {
            throw new FsException(FsErrorKind.InvalidName, $"{to}: reserved name");
        }

        await Demand(from, Permission.Rename, "rename", cancellationToken);
        var target = await TryLstatAsync(to, cancellationToken);
        await Demand(to, target is null ? Permission.Rename : Permission.Rename | Permission.Overwrite, "rename", cancellationToken);
        await backend.RenameAsync(from, to, options, cancellationToken);
        LogRenamed(from, to);
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
        await Demand(link, Permission.Link, "symlink", cancellationToken);
        await backend.CreateSymbolicLinkAsync(link, target, cancellationToken);
        LogChanged("symlink", link);
    }

    public async ValueTask CreateHardLinkAsync(VirtualPath existing, VirtualPath link, CancellationToken cancellationToken)
    {
        await Demand(existing, Permission.Download, "link", cancellationToken);
        await Demand(link, Permission.Link, "link", cancellationToken);
        await backend.CreateHardLinkAsync(existing, link, cancellationToken);
        LogChanged("link", link);
    }

    public async ValueTask<string> ReadSymbolicLinkAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        await Demand(path, Permission.List, "readlink", cancellationToken);
        return await backend.ReadSymbolicLinkAsync(path, cancellationToken);
    }

    public async ValueTask<VirtualPath> GetRealPathAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        await Demand(path, Permission.List, "realpath", cancellationToken);
        return await backend.GetRealPathAsync(path, cancellationToken);
    }

    public async ValueTask SetTimesAsync(VirtualPath path, DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken)
    {
        await Demand(path, Permission.ChangeTimes, "chtimes", cancellationToken);
        await backend.SetTimesAsync(path, accessedUtc, modifiedUtc, cancellationToken);
        LogChanged("chtimes", path);
    }

    public async ValueTask SetPermissionsAsync(VirtualPath path, int permissions, CancellationToken cancellationToken)
    {
        await Demand(path, Permission.ChangeMode, "chmod", cancellationToken);
        await backend.SetPermissionsAsync(path, permissions, cancellationToken);
        LogChanged("chmod", path);
    }

    public async ValueTask SetLengthAsync(VirtualPath path, long length, CancellationToken cancellationToken)
    {
        await Demand(path, Permission.Overwrite, "truncate", cancellationToken);
        await backend.SetLengthAsync(path, length, cancellationToken);
        LogChanged("truncate", path);
    }

    public async ValueTask<SpaceInfo> GetSpaceAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        await Demand(path, Permission.List, "statvfs", cancellationToken);
        return await backend.GetSpaceAsync(path, cancellationToken);
    }

    public ValueTask DisposeAsync() => backend.DisposeAsync();

    internal void LogCommitted(VirtualPath path, long bytes) => LogUploadCommitted(path, bytes);

    internal void LogAbandoned(VirtualPath path) => LogUploadAbandoned(path);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} {Path}")]
    private partial void LogChanged(string operation, VirtualPath path);

    [LoggerMessage(Level = LogLevel.Information, Message = "open for {Operation} {Path}")]
    private partial void LogOpened(string operation, VirtualPath path);

    [LoggerMessage(Level = LogLevel.Information, Message = "rename {From} to {To}")]
    private partial void LogRenamed(VirtualPath from, VirtualPath to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} {Path} refused by permissions")]
    private partial void LogDenied(string operation, VirtualPath path);

    [LoggerMessage(Level = LogLevel.Information, Message = "upload complete {Path} ({Bytes} bytes)")]
    private partial void LogUploadCommitted(VirtualPath path, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "upload abandoned {Path}: the target was left as it was")]
    private partial void LogUploadAbandoned(VirtualPath path);
}
