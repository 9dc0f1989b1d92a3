using Microsoft.Win32.SafeHandles;

namespace MultiXfer.Fsio.Local;

/// <summary>
/// One descriptor per home directory, shared by every session of it. A session held its own before: with 10,000 idle
/// sessions that is 10,000 descriptors beside the sockets, and a container's limit (often 20,000) ran out at half of
/// what the sockets alone allow. Each login still resolves the home afresh (openat2 under the data root): the shared
/// descriptor is used only while it is the same directory (device and inode), so a home that was replaced since is
/// opened anew, exactly as an unshared one would be.
/// </summary>
internal sealed class SharedRoots
{
    private readonly Dictionary<string, SharedRoot> _roots = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Takes <paramref name="fresh"/> (a descriptor of <paramref name="home"/> just opened): it is closed if
    /// a shared one of the same directory is open, or becomes the shared one.</summary>
    public SharedRoot Acquire(string home, int fresh, FileStatus status)
    {
        lock (_lock)
        {
            if (_roots.TryGetValue(home, out var shared) && shared.Device == status.Device && shared.Inode == status.Inode)
            {
                shared.Users++;
                LinuxNative.Close(fresh);
                return shared;
            }

            // A replaced home's old descriptor stays with the sessions that hold it, and closes with the last of them.
            var root = new SharedRoot(this, home, new SafeFileHandle(fresh, ownsHandle: true), status.Device, status.Inode);
            _roots[home] = root;
            return root;
        }
    }

    internal void Release(SharedRoot root)
    {
        lock (_lock)
        {
            if (--root.Users > 0)
            {
                return;
            }

            if (_roots.TryGetValue(root.Home, out var current) && ReferenceEquals(current, root))
            {
                _roots.Remove(root.Home);
            }
        }

        root.Handle.Dispose();
    }

    /// <summary>Descriptors open for homes now (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _roots.Count;
            }
        }
    }
}

/// <summary>A home's descriptor and the number of sessions using it (guarded by the owner's lock).</summary>
internal sealed class SharedRoot(SharedRoots? owner, string home, SafeFileHandle handle, ulong device, ulong inode)
{
    public string Home => home;

    public SafeFileHandle Handle => handle;

    public ulong Device => device;

    public ulong Inode => inode;

    public int Users { get; set; } = 1;

    /// <summary>A root nobody else shares (the data root itself).</summary>
    public static SharedRoot Own(int fd) => new(null, "", new SafeFileHandle(fd, ownsHandle: true), 0, 0);

    public void Release()
    {
        if (owner is null)
        {
            handle.Dispose();
        }
        else
        {
            owner.Release(this);
        }
    }
}
