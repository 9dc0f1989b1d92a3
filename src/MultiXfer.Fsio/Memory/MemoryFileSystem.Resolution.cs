namespace MultiXfer.Fsio.Memory;

/// <summary>Path resolution inside the view's root, with symbolic links followed the way RESOLVE_IN_ROOT does.</summary>
internal sealed partial class MemoryFileSystem
{
    /// <summary>Linux's limit on links followed in one lookup (MAXSYMLINKS).</summary>
    private const int MaxLinkHops = 40;

    private object Gate => storage.Gate;

    /// <summary>A directory chain from the view's root: each entry knows the name it was reached by.</summary>
    private sealed class Walk
    {
        public List<(string Name, MemoryNode Node)> Chain { get; } = [];

        public MemoryNode Node => Chain[^1].Node;

        public VirtualPath ToPath() =>
            Chain.Count == 1 ? VirtualPath.Root : VirtualPath.Resolve(VirtualPath.Root, "/" + string.Join('/', Chain.Skip(1).Select(c => c.Name)));
    }

    private Walk Resolve(VirtualPath path, bool followFinal)
    {
        var walk = new Walk();
        walk.Chain.Add(("/", root));
        var pending = new LinkedList<string>(path.Segments());
        int hops = 0;
        while (pending.First is { } first)
        {
            string name = first.Value;
            pending.RemoveFirst();
            if (name is "" or ".")
            {
                continue;
            }

            if (name == "..")
            {
                if (walk.Chain.Count > 1)
                {
                    walk.Chain.RemoveAt(walk.Chain.Count - 1);
                }

                continue;
            }

            if (walk.Node is not MemoryDirectory directory)
            {
                throw new FsException(FsErrorKind.NotADirectory, $"{path}: not a directory");
            }

            if (!directory.Children.TryGetValue(name, out var child))
            {
                throw FsException.NotFound(path);
            }

            bool isFinal = pending.Count == 0;
            if (child is MemorySymlink link && (!isFinal || followFinal))
            {
                if (++hops > MaxLinkHops)
                {
                    throw new FsException(FsErrorKind.LinkLoop, $"{path}: too many links");
                }

                if (link.Target.StartsWith('/'))
                {
                    walk.Chain.RemoveRange(1, walk.Chain.Count - 1);
                }

                foreach (string part in link.Target.Split('/').Reverse())
                {
                    pending.AddFirst(part);
                }

                continue;
            }

            walk.Chain.Add((name, child));
        }

        return walk;
    }

    private MemoryNode Lookup(VirtualPath path, bool followFinal) => Resolve(path, followFinal).Node;

    private MemoryDirectory LookupParent(VirtualPath path, string operation, out string name)
    {
        if (path.IsRoot)
        {
            throw new FsException(FsErrorKind.PermissionDenied, $"{operation} /: not permitted on the root");
        }

        name = path.Name;
        return Lookup(path.Parent, followFinal: true) as MemoryDirectory
            ?? throw new FsException(FsErrorKind.NotADirectory, $"{path.Parent}: not a directory");
    }

    /// <summary>The entry itself, not following a final link (lstat semantics), with its directory and name.</summary>
    private MemoryNode LookupEntry(VirtualPath path, string operation, out MemoryDirectory parent, out string name)
    {
        parent = LookupParent(path, operation, out name);
        return parent.Children.TryGetValue(name, out var node) ? node : throw FsException.NotFound(path);
    }

    internal MemoryDirectory EnsureDirectory(VirtualPath path)
    {
        var current = VirtualPath.Root;
        foreach (string segment in path.Segments())
        {
            current = current.Append(segment);
            var parent = LookupParent(current, "mkdir", out string name);
            if (!parent.Children.ContainsKey(name))
            {
                parent.Children[name] = new MemoryDirectory(storage.NextInode(), 0x1ED);
            }
        }

        return Lookup(path, followFinal: true) as MemoryDirectory ?? throw new FsException(FsErrorKind.NotADirectory, $"{path}");
    }
}
