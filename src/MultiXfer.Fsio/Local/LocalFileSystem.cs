using System.Text;
using Microsoft.Win32.SafeHandles;

namespace MultiXfer.Fsio.Local;

/// <summary>
/// A user's root on local disk. Every path is resolved by the kernel relative to a descriptor of the root with
/// RESOLVE_IN_ROOT, so '..' and symbolic links (absolute or relative) never leave it and there is no window
/// between a check and the use. Operations that must not follow the final link work on the parent directory's
/// descriptor and a single name (the *at() calls).
/// </summary>
internal sealed unsafe class LocalFileSystem : IFileSystem
{
    private const ulong Resolve = LinuxNative.ResolveInRoot | LinuxNative.ResolveNoMagicLinks;
    private const int MaxResolveRetries = 8;

    private readonly SharedRoot _root;
    private readonly string _rootHostPath;
    private SharedRoots? _homes;
    private int _disposed;

    private LocalFileSystem(SharedRoot root, string rootHostPath)
    {
        _root = root;
        _rootHostPath = rootHostPath;
    }

    private int RootFd => (int)_root.Handle.DangerousGetHandle();

    /// <summary>Home descriptors open now, shared by their sessions (for tests).</summary>
    internal int SharedHomeCount => _homes?.Count ?? 0;

    /// <summary>Opens a trusted host directory (from configuration) as a root.</summary>
    public static LocalFileSystem OpenHostDirectory(string hostDirectory)
    {
        if (!OpenFlags.IsSupportedPlatform)
        {
            throw new PlatformNotSupportedException("The local storage backend needs 64-bit Linux (x86-64 or arm64) with openat2(2).");
        }

        int fd = LinuxNative.OpenAt2(LinuxNative.AtFdCwd, Path.GetFullPath(hostDirectory),
            OpenFlags.PathOnly | OpenFlags.Directory | OpenFlags.CloseOnExec, 0, 0);
        if (fd < 0)
        {
            throw Errno.Exception(LinuxNative.LastError, "open root", VirtualPath.Root);
        }

        return new LocalFileSystem(SharedRoot.Own(fd), HostPathOf(fd));
    }

    /// <summary>
    /// Opens a directory inside this root as a new, narrower root (a user's home inside the data root). Sessions of
    /// the same home share one descriptor (<see cref="SharedRoots"/>).
    /// </summary>
    public LocalFileSystem OpenSubRoot(VirtualPath path)
    {
        int fd = OpenResolved(path, OpenFlags.PathOnly | OpenFlags.Directory, "open root");
        FileStatus status;
        try
        {
            status = Statx.Get(fd, "", followLinks: false, path);
        }
        catch
        {
            LinuxNative.Close(fd);
            throw;
        }

        var home = LazyInitializer.EnsureInitialized(ref _homes).Acquire(path.ToString(), fd, status);
        return new LocalFileSystem(home, HostPathOf((int)home.Handle.DangerousGetHandle()));
    }

    private static string RelativeOf(VirtualPath path) => path.IsRoot ? "." : path.Relative;

    /// <summary>openat2 under the root; EAGAIN means a concurrent rename raced the lookup, so try again.</summary>
    private int OpenResolved(VirtualPath path, int flags, string operation, int mode = 0)
    {
        for (int attempt = 0; ; attempt++)
        {
            int fd = LinuxNative.OpenAt2(RootFd, RelativeOf(path), flags | OpenFlags.CloseOnExec, mode, Resolve);
            if (fd >= 0)
            {
                return fd;
            }

            int errno = LinuxNative.LastError;
            if ((errno != Errno.EAGAIN && errno != Errno.EINTR) || attempt >= MaxResolveRetries)
            {
                throw Errno.Exception(errno, operation, path);
            }
        }
    }

    /// <summary>The parent directory of <paramref name="path"/>, resolved under the root, and the final name.</summary>
    private Descriptor OpenParent(VirtualPath path, string operation, out string name)
    {
        if (path.IsRoot)
        {
            throw new FsException(FsErrorKind.PermissionDenied, $"{operation} /: the root cannot be {operation}d");
        }

        name = path.Name;
        return new Descriptor(OpenResolved(path.Parent, OpenFlags.PathOnly | OpenFlags.Directory, operation));
    }

    private static void Check(int result, string operation, VirtualPath path)
    {
        if (result != 0)
        {
            throw Errno.Exception(LinuxNative.LastError, operation, path);
        }
    }

    public ValueTask<FileStatus> GetStatusAsync(VirtualPath path, bool followLinks, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Stat(path, followLinks));

    private FileStatus Stat(VirtualPath path, bool followLinks)
    {
        int flags = OpenFlags.PathOnly | (followLinks ? 0 : OpenFlags.NoFollow);
        using var fd = new Descriptor(OpenResolved(path, flags, "stat"));
        return Statx.Get(fd.Value, "", followLinks: false, path);
    }

    public ValueTask<IFileHandle> OpenFileAsync(VirtualPath path, FileOpenOptions options, CancellationToken cancellationToken)
    {
        int flags = options.Access switch
        {
            FileAccessMode.Read => OpenFlags.ReadOnly,
            FileAccessMode.Write => OpenFlags.WriteOnly,
            _ => OpenFlags.ReadWrite,
        };
        flags |= OpenFlags.NonBlock | options.Create switch
        {
            FileCreateMode.CreateNew => OpenFlags.Create | OpenFlags.Exclusive,
            FileCreateMode.OpenOrCreate => OpenFlags.Create,
            FileCreateMode.Replace => OpenFlags.Create | OpenFlags.Truncate,
            _ => 0,
        };
        if (options.Append)
        {
            flags |= OpenFlags.Append;
        }

        // openat2 refuses a mode unless the call may create (unlike open(2), which ignores it).
        int mode = (flags & OpenFlags.Create) != 0 ? (options.Permissions ?? 0x1B6 /* 0666, less umask */) & PermissionBits.Settable : 0;
        int fd = OpenResolved(path, flags, "open", mode);
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var status = Statx.Get(fd, "", followLinks: false, path);
            if (!status.IsRegular)
            {
                throw new FsException(status.IsDirectory ? FsErrorKind.IsADirectory : FsErrorKind.InvalidArgument,
                    $"open {path}: not a regular file");
            }

            if (options.ExclusiveLock)
            {
                LockExclusively(fd, path, status, created: options.Create == FileCreateMode.CreateNew);
            }

            return ValueTask.FromResult<IFileHandle>(new LocalFileHandle(path, options.Access, handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// flock(2) without waiting: the lock lives with this open file and dies with the process, so a crash or a kill -9
    /// releases it. Linux's NFS client maps flock to NFS byte-range locks, so nodes sharing a file system see each
    /// other's locks. A file created for locking must still be the one under its name once locked: someone who took
    /// the lock between our create and our lock may have removed the name.
    /// </summary>
    private void LockExclusively(int fd, VirtualPath path, FileStatus opened, bool created)
    {
        if (LinuxNative.Flock(fd, LinuxNative.LockExclusive | LinuxNative.LockNonBlocking) != 0)
        {
            int errno = LinuxNative.LastError;
            switch (errno)
            {
                case Errno.EAGAIN:
                    throw new FsException(FsErrorKind.LockConflict, $"lock {path}: held by another open file");
                case Errno.ENOLCK or Errno.EOPNOTSUPP or Errno.ENOSYS or Errno.EINVAL when created:
                    return; // This storage cannot lock; the file is ours all the same.
                case Errno.ENOLCK or Errno.EOPNOTSUPP or Errno.ENOSYS or Errno.EINVAL:
                    throw new FsException(FsErrorKind.Unsupported, $"lock {path}: the storage cannot lock files (errno {errno})");
                default:
                    throw Errno.Exception(errno, "lock", path);
            }
        }

        if (created)
        {
            FileStatus named;
            try
            {
                named = Stat(path, followLinks: false);
            }
            catch (FsException e) when (e.Kind == FsErrorKind.NotFound)
            {
                throw new FsException(FsErrorKind.LockConflict, $"lock {path}: removed before it could be locked");
            }

            if (named.Inode != opened.Inode || named.Device != opened.Device)
            {
                throw new FsException(FsErrorKind.LockConflict, $"lock {path}: replaced before it could be locked");
            }
        }
    }

    public IAsyncEnumerable<FsEntry> ListDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) =>
        new LocalDirectoryListing(this, path, cancellationToken);

    internal int OpenDirectoryForListing(VirtualPath path) =>
        OpenResolved(path, OpenFlags.ReadOnly | OpenFlags.Directory | OpenFlags.NonBlock, "opendir");

    public ValueTask CreateDirectoryAsync(VirtualPath path, int? permissions, CancellationToken cancellationToken)
    {
        using var parent = OpenParent(path, "mkdir", out string name);
        Check(LinuxNative.MkdirAt(parent.Value, name, (permissions ?? 0x1FF /* 0777, less umask */) & PermissionBits.Settable), "mkdir", path);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteDirectoryAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        using var parent = OpenParent(path, "rmdir", out string name);
        Check(LinuxNative.UnlinkAt(parent.Value, name, LinuxNative.AtRemoveDir), "rmdir", path);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteFileAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        using var parent = OpenParent(path, "delete", out string name);
        Check(LinuxNative.UnlinkAt(parent.Value, name, 0), "delete", path);
        return ValueTask.CompletedTask;
    }

    public ValueTask RenameAsync(VirtualPath from, VirtualPath to, RenameOptions options, CancellationToken cancellationToken)
    {
        using var fromParent = OpenParent(from, "rename", out string fromName);
        using var toParent = OpenParent(to, "rename", out string toName);
        if (options.Overwrite && TryReplaceByExchange(fromParent.Value, fromName, toParent.Value, toName, from))
        {
            return ValueTask.CompletedTask;
        }

        uint flags = options.Overwrite ? 0 : LinuxNative.RenameNoReplace;
        int result = LinuxNative.RenameAt2(fromParent.Value, fromName, toParent.Value, toName, flags);
        if (result != 0 && LinuxNative.LastError == Errno.EINVAL && !options.Overwrite)
        {
            // Some file systems lack RENAME_NOREPLACE; fall back to a check, which is racy but only there.
            if (Statx.TryGet(toParent.Value, toName) is not null)
            {
                throw new FsException(FsErrorKind.AlreadyExists, $"rename {from} {to}: target exists");
            }

            result = LinuxNative.RenameAt2(fromParent.Value, fromName, toParent.Value, toName, 0);
        }

        Check(result, "rename", from);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Replaces an existing regular file by swapping the two names (renameat2 RENAME_EXCHANGE) and then unlinking the
    /// old file under the source's name. The result is what rename(2) gives (the target never goes missing), but ext4
    /// (auto_da_alloc, the default) makes a rename over an existing file write out the new file's delayed blocks
    /// before it returns: 0.5 s for a 1 GiB upload, in the reply's path. The exchange skips that heuristic; a commit
    /// that must be durable asks for fsync (Server:FsyncUploads), as one under a new name always had to.
    /// Returns false when the exchange does not apply (no target, not a regular file, the same file, or a file system
    /// without RENAME_EXCHANGE), and the caller renames.
    /// </summary>
    private static bool TryReplaceByExchange(int fromDir, string fromName, int toDir, string toName, VirtualPath from)
    {
        if (Statx.TryGet(toDir, toName) is not { Type: FileType.Regular } replaced
            || Statx.TryGet(fromDir, fromName) is not { } moved
            || (moved.Device == replaced.Device && moved.Inode == replaced.Inode))
        {
            // rename(2) of two names of one file does nothing (POSIX); the exchange and unlink would remove one.
            return false;
        }

        if (LinuxNative.RenameAt2(fromDir, fromName, toDir, toName, LinuxNative.RenameExchange) != 0)
        {
            int error = LinuxNative.LastError;
            if (error is Errno.EINVAL or Errno.ENOENT)
            {
                return false;
            }

            throw Errno.Exception(error, "rename", from);
        }

        // Held across the unlink, the old file is freed (its page cache dropped, its blocks released: 0.1-0.2 s for
        // 1 GiB) when this descriptor closes, off the caller's path, instead of inside unlink(2) before the reply.
        int replacedFile = LinuxNative.OpenAt2(fromDir, fromName, OpenFlags.PathOnly | OpenFlags.NoFollow | OpenFlags.CloseOnExec, 0, 0);
        if (LinuxNative.UnlinkAt(fromDir, fromName, 0) != 0)
        {
            // Raced (the target became a directory) or refused: swap back, so both names keep what they held.
            int error = LinuxNative.LastError;
            LinuxNative.RenameAt2(fromDir, fromName, toDir, toName, LinuxNative.RenameExchange);
            if (replacedFile >= 0)
            {
                LinuxNative.Close(replacedFile);
            }

            throw Errno.Exception(error, "rename", from);
        }

        if (replacedFile >= 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static fd => LinuxNative.Close(fd), replacedFile, preferLocal: false);
        }

        return true;
    }

    public ValueTask CreateSymbolicLinkAsync(VirtualPath link, string target, CancellationToken cancellationToken)
    {
        if (target.Length == 0 || target.Contains('\0'))
        {
            throw new FsException(FsErrorKind.InvalidName, "symlink: invalid target");
        }

        using var parent = OpenParent(link, "symlink", out string name);
        Check(LinuxNative.SymlinkAt(target, parent.Value, name), "symlink", link);
        return ValueTask.CompletedTask;
    }

    public ValueTask CreateHardLinkAsync(VirtualPath existing, VirtualPath link, CancellationToken cancellationToken)
    {
        using var existingParent = OpenParent(existing, "link", out string existingName);
        using var linkParent = OpenParent(link, "link", out string linkName);
        Check(LinuxNative.LinkAt(existingParent.Value, existingName, linkParent.Value, linkName, 0), "link", link);
        return ValueTask.CompletedTask;
    }

    public ValueTask<string> ReadSymbolicLinkAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        using var parent = OpenParent(path, "readlink", out string name);
        return ValueTask.FromResult(ReadLink(parent.Value, name, path));
    }

    private static string ReadLink(int dirfd, string name, VirtualPath path)
    {
        byte* buffer = stackalloc byte[VirtualPath.MaxLength];
        nint length = LinuxNative.ReadLinkAt(dirfd, name, buffer, VirtualPath.MaxLength);
        if (length < 0)
        {
            throw Errno.Exception(LinuxNative.LastError, "readlink", path);
        }

        return Encoding.UTF8.GetString(buffer, (int)length);
    }

    /// <summary>Where a descriptor really points, through the kernel's record of it in /proc.</summary>
    private static string HostPathOf(int fd) => ReadLink(LinuxNative.AtFdCwd, $"/proc/self/fd/{fd}", VirtualPath.Root);

    public ValueTask<VirtualPath> GetRealPathAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        using var fd = new Descriptor(OpenResolved(path, OpenFlags.PathOnly, "realpath"));
        string host = HostPathOf(fd.Value);
        if (host == _rootHostPath)
        {
            return ValueTask.FromResult(VirtualPath.Root);
        }

        // The kernel resolved inside the root, so the result lies under it; anything else is refused, not trusted.
        if (!host.StartsWith(_rootHostPath.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw FsException.NotFound(path);
        }

        return ValueTask.FromResult(VirtualPath.Resolve(VirtualPath.Root, host[_rootHostPath.TrimEnd('/').Length..]));
    }

    public ValueTask SetTimesAsync(VirtualPath path, DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken)
    {
        using var fd = new Descriptor(OpenResolved(path, OpenFlags.PathOnly, "utimes"));
        var times = stackalloc LinuxNative.Timespec[2];
        times[0] = Statx.ToTimespec(accessedUtc);
        times[1] = Statx.ToTimespec(modifiedUtc);

        // An O_PATH descriptor cannot be passed to futimens; its /proc entry names exactly the resolved inode.
        Check(LinuxNative.UtimensAt(LinuxNative.AtFdCwd, $"/proc/self/fd/{fd.Value}", times, 0), "utimes", path);
        return ValueTask.CompletedTask;
    }

    public ValueTask SetPermissionsAsync(VirtualPath path, int permissions, CancellationToken cancellationToken)
    {
        using var fd = new Descriptor(OpenResolved(path, OpenFlags.PathOnly, "chmod"));
        Check(LinuxNative.FchmodAt(LinuxNative.AtFdCwd, $"/proc/self/fd/{fd.Value}", permissions & PermissionBits.Settable, 0), "chmod", path);
        return ValueTask.CompletedTask;
    }

    public ValueTask SetLengthAsync(VirtualPath path, long length, CancellationToken cancellationToken)
    {
        using var fd = new Descriptor(OpenResolved(path, OpenFlags.WriteOnly | OpenFlags.NonBlock, "truncate"));
        if (!Statx.Get(fd.Value, "", followLinks: false, path).IsRegular)
        {
            throw new FsException(FsErrorKind.InvalidArgument, $"truncate {path}: not a regular file");
        }

        Check(LinuxNative.Ftruncate(fd.Value, length), "truncate", path);
        return ValueTask.CompletedTask;
    }

    public ValueTask<SpaceInfo> GetSpaceAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        using var fd = new Descriptor(OpenResolved(path, OpenFlags.PathOnly, "statvfs"));
        LinuxNative.StatVfs vfs;
        Check(LinuxNative.Fstatvfs(fd.Value, &vfs), "statvfs", path);
        long unit = (long)vfs.FragmentSize;
        return ValueTask.FromResult(new SpaceInfo((long)vfs.Blocks * unit, (long)vfs.BlocksFree * unit,
            (long)vfs.BlocksAvailable * unit, (long)vfs.BlockSize, (long)vfs.Files, (long)vfs.FilesFree, (long)vfs.NameMax));
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _root.Release();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A raw descriptor closed at the end of a using block.</summary>
    private readonly struct Descriptor(int value) : IDisposable
    {
        public int Value { get; } = value;

        public void Dispose() => LinuxNative.Close(Value);
    }
}
