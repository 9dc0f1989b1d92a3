namespace MultiXfer.Fsio.Memory;

/// <summary>
/// A storage tree held in memory, shared by every session that opens a root in it. One lock guards the whole
/// tree: it exists for tests, trials and the conformance suite, not for throughput.
/// </summary>
public sealed class MemoryStorage(long capacityBytes = 1L << 30)
{
    /// <summary>Permission bits removed from requested modes, as a process umask of 022 would.</summary>
    internal const int Umask = 0x12;

    private long _nextInode = 2;

    internal object Gate { get; } = new();

    internal MemoryDirectory Root { get; } = new(1, 0x1ED);

    public long CapacityBytes { get; } = capacityBytes;

    internal long UsedBytes { get; private set; }

    internal long NextInode() => Interlocked.Increment(ref _nextInode);

    /// <summary>Reserves space for growth, or fails with NoSpace like a full disk.</summary>
    internal void Account(long growth)
    {
        if (growth > 0 && UsedBytes + growth > CapacityBytes)
        {
            throw new FsException(FsErrorKind.NoSpace, "memory storage full");
        }

        UsedBytes += growth;
    }

    /// <summary>
    /// Truncates or extends a file, reserving the growth first: a size beyond the capacity fails before anything is
    /// allocated, and the accounting never drifts from the files' lengths. Call under the gate.
    /// </summary>
    internal void Resize(MemoryFile file, long length) =>
        Grow(length - file.Length, (file, length), static s => s.file.SetLength(s.length));

    /// <summary>
    /// Reserves <paramref name="growth"/>, then changes the file; the reservation is undone if that fails. The state
    /// travels as an argument so that writes allocate no closure.
    /// </summary>
    internal void Grow<TState>(long growth, TState state, Action<TState> change)
    {
        Account(growth);
        try
        {
            change(state);
        }
        catch
        {
            UsedBytes -= growth;
            throw;
        }
    }

    /// <summary>Gives back a file's space once no name and no open handle refers to it. Call under the gate.</summary>
    internal void ReleaseIfUnreferenced(MemoryFile file)
    {
        if (file.IsUnreferenced)
        {
            UsedBytes -= file.Length;
            file.SetLength(0);
        }
    }

    /// <summary>A root at <paramref name="home"/>, created if missing.</summary>
    public IFileSystem OpenRoot(VirtualPath home)
    {
        var whole = new MemoryFileSystem(this, Root);
        lock (Gate)
        {
            return new MemoryFileSystem(this, whole.EnsureDirectory(home));
        }
    }
}
