namespace MultiXfer.Fsio.Memory;

internal abstract class MemoryNode(long inode, int permissions)
{
    public long Inode { get; } = inode;
    public int Permissions { get; set; } = permissions;
    public DateTime ModifiedUtc { get; set; } = DateTime.UtcNow;
    public DateTime AccessedUtc { get; set; } = DateTime.UtcNow;
    public DateTime ChangedUtc { get; set; } = DateTime.UtcNow;
    public DateTime CreatedUtc { get; } = DateTime.UtcNow;
    public int LinkCount { get; set; } = 1;

    public abstract FileType Type { get; }

    public abstract long Size { get; }

    public FileStatus ToStatus() => new()
    {
        Type = Type,
        Size = Size,
        Permissions = Permissions,
        ModifiedUtc = ModifiedUtc,
        AccessedUtc = AccessedUtc,
        ChangedUtc = ChangedUtc,
        CreatedUtc = CreatedUtc,
        LinkCount = LinkCount,
        AllocatedSize = Size,
        Inode = (ulong)Inode,
        Device = 0,
    };
}

internal sealed class MemoryDirectory(long inode, int permissions) : MemoryNode(inode, permissions)
{
    public SortedDictionary<string, MemoryNode> Children { get; } = new(StringComparer.Ordinal);

    public override FileType Type => FileType.Directory;

    public override long Size => 4096;
}

internal sealed class MemoryFile(long inode, int permissions) : MemoryNode(inode, permissions)
{
    private byte[] _data = [];

    /// <summary>Open handles; a file unlinked while open keeps its space until the last one closes (as on disk).</summary>
    public int OpenHandles { get; set; }

    public bool IsUnreferenced => LinkCount == 0 && OpenHandles == 0;

    /// <summary>The handle holding the exclusive lock (flock(2) on disk), if any.</summary>
    public object? LockedBy { get; set; }

    public long Length { get; private set; }

    public override FileType Type => FileType.Regular;

    public override long Size => Length;

    public int Read(long offset, Span<byte> destination)
    {
        if (offset >= Length)
        {
            return 0;
        }

        int count = (int)Math.Min(destination.Length, Length - offset);
        _data.AsSpan((int)offset, count).CopyTo(destination);
        return count;
    }

    /// <summary>Returns how many bytes the file grew by, for space accounting.</summary>
    public long Write(long offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0; // as pwrite(2) of nothing: the file does not grow to the offset
        }

        long end = offset + data.Length;
        long growth = Math.Max(0, end - Length);
        EnsureCapacity(end);
        if (offset > Length)
        {
            _data.AsSpan((int)Length, (int)(offset - Length)).Clear();
        }

        data.CopyTo(_data.AsSpan((int)offset));
        Length = Math.Max(Length, end);
        ModifiedUtc = ChangedUtc = DateTime.UtcNow;
        return growth;
    }

    public void SetLength(long length)
    {
        EnsureCapacity(length);
        if (length > Length)
        {
            _data.AsSpan((int)Length, (int)(length - Length)).Clear();
        }

        Length = length;
        ModifiedUtc = ChangedUtc = DateTime.UtcNow;
    }

    private void EnsureCapacity(long size)
    {
        if (size > Array.MaxLength)
        {
            throw new FsException(FsErrorKind.NoSpace, "memory file too large");
        }

        if (size > _data.Length)
        {
            Array.Resize(ref _data, (int)Math.Min(Array.MaxLength, Math.Max(size, _data.Length * 2L)));
        }
    }
}

internal sealed class MemorySymlink(long inode, string target) : MemoryNode(inode, 0x1FF)
{
    public string Target { get; } = target;

    public override FileType Type => FileType.SymbolicLink;

    public override long Size => System.Text.Encoding.UTF8.GetByteCount(Target);
}
