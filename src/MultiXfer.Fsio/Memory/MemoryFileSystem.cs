using System.Runtime.CompilerServices;
namespace MultiXfer.Fsio.Memory;

/// <summary>
/// A rooted view of a <see cref="MemoryStorage"/>. Paths resolve the way the local backend's RESOLVE_IN_ROOT
/// does: '..' stops at this view's root and symbolic link targets (absolute ones from this root) are followed
/// without ever leaving it.
/// </summary>
internal sealed partial class MemoryFileSystem(MemoryStorage storage, MemoryDirectory root) : IFileSystem
{
    public ValueTask<FileStatus> GetStatusAsync(VirtualPath path, bool followLinks, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            return ValueTask.FromResult(Lookup(path, followLinks).ToStatus());
        }
    }

    public ValueTask<IFileHandle> OpenFileAsync(VirtualPath path, FileOpenOptions options, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            return ValueTask.FromResult(Open(path, options, hops: 0));
        }
    }

    private IFileHandle Open(VirtualPath path, FileOpenOptions options, int hops)
    {
        var parent = LookupParent(path, "open", out string name);
        parent.Children.TryGetValue(name, out var node);
        if (node is MemorySymlink link)
        {
            // open(2) follows a final link, and with O_CREAT creates a missing target; O_EXCL refuses any link.
            if (options.Create == FileCreateMode.CreateNew)
            {
                throw new FsException(FsErrorKind.AlreadyExists, $"{path}: exists");
            }

            if (++hops > MaxLinkHops)
            {
                throw new FsException(FsErrorKind.LinkLoop, $"{path}: too many links");
            }

            var realParent = Resolve(path.Parent, followFinal: true).ToPath();
            return Open(VirtualPath.Resolve(realParent, link.Target), options, hops);
        }

        if (node is null)
        {
            if (options.Create == FileCreateMode.OpenExisting)
            {
                throw FsException.NotFound(path);
            }

            node = new MemoryFile(storage.NextInode(), (options.Permissions ?? 0x1B6) & PermissionBits.Settable & ~MemoryStorage.Umask);
            parent.Children[name] = node;
            parent.ModifiedUtc = DateTime.UtcNow;
        }
        else if (options.Create == FileCreateMode.CreateNew)
        {
            throw new FsException(FsErrorKind.AlreadyExists, $"{path}: exists");
        }

        var file = node switch
        {
            MemoryFile f => f,
            MemoryDirectory => throw new FsException(FsErrorKind.IsADirectory, $"{path}: is a directory"),
            _ => throw new FsException(FsErrorKind.InvalidArgument, $"{path}: not a regular file"),
        };

        if (options.ExclusiveLock && file.LockedBy is not null)
        {
            throw new FsException(FsErrorKind.LockConflict, $"lock {path}: held by another open file");
        }

        if (options.Create == FileCreateMode.Replace)
        {
            storage.Resize(file, 0);
        }

        file.OpenHandles++;
        var handle = new MemoryFileHandle(storage, file, path, options.Access, options.Append);
        if (options.ExclusiveLock)
        {
            file.LockedBy = handle;
        }

        return handle;
    }

    public IAsyncEnumerable<FsEntry> ListDirectoryAsync(VirtualPath path, CancellationToken cancellationToken) => List(path, cancellationToken);

    private async IAsyncEnumerable<FsEntry> List(VirtualPath path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<FsEntry> snapshot;
        lock (Gate)
        {
            if (Lookup(path, followFinal: true) is not MemoryDirectory directory)
            {
                throw new FsException(FsErrorKind.NotADirectory, $"{path}: not a directory");
            }

            snapshot = directory.Children.Select(c => new FsEntry(c.Key, c.Value.ToStatus())).ToList();
        }

        foreach (var entry in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry;
        }

        await Task.CompletedTask;
    }

    public ValueTask CreateDirectoryAsync(VirtualPath path, int? permissions, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            var parent = LookupParent(path, "mkdir", out string name);
            if (parent.Children.ContainsKey(name))
            {
                throw new FsException(FsErrorKind.AlreadyExists, $"{path}: exists");
            }

            parent.Children[name] = new MemoryDirectory(storage.NextInode(), (permissions ?? 0x1FF) & PermissionBits.Settable & ~MemoryStorage.Umask);
            parent.ModifiedUtc = DateTime.UtcNow;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteDirectoryAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            var node = LookupEntry(path, "rmdir", out var parent, out string name);
            if (node is not MemoryDirectory directory)
            {
                throw new FsException(FsErrorKind.NotADirectory, $"{path}: not a directory");
            }

            if (directory.Children.Count > 0)
            {
                throw new FsException(FsErrorKind.NotEmpty, $"{path}: not empty");
            }

            parent.Children.Remove(name);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteFileAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            var node = LookupEntry(path, "delete", out var parent, out string name);
            if (node is MemoryDirectory)
            {
                throw new FsException(FsErrorKind.IsADirectory, $"{path}: is a directory");
            }

            Unlink(parent, name, node);
        }

        return ValueTask.CompletedTask;
    }

    private void Unlink(MemoryDirectory parent, string name, MemoryNode node)
    {
        parent.Children.Remove(name);
        parent.ModifiedUtc = DateTime.UtcNow;
        node.LinkCount--;
        if (node is MemoryFile file)
        {
            storage.ReleaseIfUnreferenced(file);
        }
    }

    public ValueTask RenameAsync(VirtualPath from, VirtualPath to, RenameOptions options, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            var node = LookupEntry(from, "rename", out var fromParent, out string fromName);
            var toParent = LookupParent(to, "rename", out string toName);

            if (node is MemoryDirectory && IsWithin(toParent, node))
            {
                throw new FsException(FsErrorKind.InvalidArgument, $"rename {from} {to}: into itself");
            }

            if (toParent.Children.TryGetValue(toName, out var existing))
            {
                if (ReferenceEquals(existing, node))
                {
                    return ValueTask.CompletedTask;
                }

                if (!options.Overwrite)
                {
                    throw new FsException(FsErrorKind.AlreadyExists, $"rename {from} {to}: target exists");
                }

                switch (node, existing)
                {
                    case (MemoryDirectory, MemoryDirectory { Children.Count: > 0 }):
                        throw new FsException(FsErrorKind.NotEmpty, $"rename {from} {to}: target not empty");
                    case (MemoryDirectory, not MemoryDirectory):
                        throw new FsException(FsErrorKind.NotADirectory, $"rename {from} {to}: target not a directory");
                    case (not MemoryDirectory, MemoryDirectory):
                        throw new FsException(FsErrorKind.IsADirectory, $"rename {from} {to}: target is a directory");
                }

                Unlink(toParent, toName, existing);
            }

            fromParent.Children.Remove(fromName);
            toParent.Children[toName] = node;
            fromParent.ModifiedUtc = toParent.ModifiedUtc = node.ChangedUtc = DateTime.UtcNow;
        }

        return ValueTask.CompletedTask;
    }

    private static bool IsWithin(MemoryDirectory candidate, MemoryNode ancestor)
    {
        if (ReferenceEquals(candidate, ancestor))
        {
            return true;
        }

        return ancestor is MemoryDirectory directory &&
               directory.Children.Values.OfType<MemoryDirectory>().Any(child => IsWithin(candidate, child));
    }

    public ValueTask SetTimesAsync(VirtualPath path, DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            var node = Lookup(path, followFinal: true);
            node.AccessedUtc = accessedUtc ?? node.AccessedUtc;
            node.ModifiedUtc = modifiedUtc ?? node.ModifiedUtc;
            node.ChangedUtc = DateTime.UtcNow;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SetPermissionsAsync(VirtualPath path, int permissions, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            var node = Lookup(path, followFinal: true);
            node.Permissions = permissions & PermissionBits.Settable;
            node.ChangedUtc = DateTime.UtcNow;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask SetLengthAsync(VirtualPath path, long length, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            if (Lookup(path, followFinal: true) is not MemoryFile file)
            {
                throw new FsException(FsErrorKind.InvalidArgument, $"truncate {path}: not a regular file");
            }

            storage.Resize(file, length);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<SpaceInfo> GetSpaceAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            _ = Lookup(path, followFinal: true);
            long free = storage.CapacityBytes - storage.UsedBytes;
            return ValueTask.FromResult(new SpaceInfo(storage.CapacityBytes, free, free, 4096, 1 << 20, 1 << 20, VirtualPath.MaxNameLength));
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
