namespace MultiXfer.Fsio.Memory;

/// <summary>Symbolic and hard links, and where paths really lead.</summary>
internal sealed partial class MemoryFileSystem
{
    public ValueTask CreateSymbolicLinkAsync(VirtualPath link, string target, CancellationToken cancellationToken)
    {
        if (target.Length == 0 || target.Contains('\0'))
        {
            throw new FsException(FsErrorKind.InvalidName, "symlink: invalid target");
        }

        lock (Gate)
        {
            var parent = LookupParent(link, "symlink", out string name);
            if (parent.Children.ContainsKey(name))
            {
                throw new FsException(FsErrorKind.AlreadyExists, $"{link}: exists");
            }

            parent.Children[name] = new MemorySymlink(storage.NextInode(), target);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask CreateHardLinkAsync(VirtualPath existing, VirtualPath link, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            var node = LookupEntry(existing, "link", out _, out _);
            if (node is MemoryDirectory)
            {
                throw new FsException(FsErrorKind.PermissionDenied, $"link {existing}: is a directory");
            }

            var parent = LookupParent(link, "link", out string name);
            if (parent.Children.ContainsKey(name))
            {
                throw new FsException(FsErrorKind.AlreadyExists, $"{link}: exists");
            }

            parent.Children[name] = node;
            node.LinkCount++;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<string> ReadSymbolicLinkAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            return Lookup(path, followFinal: false) is MemorySymlink link
                ? ValueTask.FromResult(link.Target)
                : throw new FsException(FsErrorKind.InvalidArgument, $"{path}: not a link");
        }
    }

    public ValueTask<VirtualPath> GetRealPathAsync(VirtualPath path, CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            return ValueTask.FromResult(Resolve(path, followFinal: true).ToPath());
        }
    }
}
