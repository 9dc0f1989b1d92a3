namespace MultiXfer.Fsio;

public enum FileType : byte
{
    Regular,
    Directory,
    SymbolicLink,
    Special,
    Unknown,
}

/// <summary>What stat/lstat report about one entry. Times are UTC.</summary>
public sealed class FileStatus
{
    public required FileType Type { get; init; }
    public required long Size { get; init; }
    /// <summary>Permission bits including setuid, setgid and sticky (the low 12 bits of st_mode).</summary>
    public required int Permissions { get; init; }
    public required DateTime ModifiedUtc { get; init; }
    public required DateTime AccessedUtc { get; init; }
    public DateTime ChangedUtc { get; init; }
    /// <summary>Birth time where the storage knows it.</summary>
    public DateTime? CreatedUtc { get; init; }
    public uint OwnerId { get; init; }
    public uint GroupId { get; init; }
    public long LinkCount { get; init; } = 1;
    public long AllocatedSize { get; init; }
    /// <summary>Device and inode: together they identify the entry (MLST "unique" fact, hardlink detection).</summary>
    public ulong Device { get; init; }
    public ulong Inode { get; init; }

    public bool IsDirectory => Type == FileType.Directory;
    public bool IsRegular => Type == FileType.Regular;
    public bool IsSymbolicLink => Type == FileType.SymbolicLink;
}

/// <summary>One directory entry as a listing streams it.</summary>
public readonly record struct FsEntry(string Name, FileStatus Status);

/// <summary>Free and total space where a path lives, in bytes.</summary>
public readonly record struct SpaceInfo(long TotalBytes, long FreeBytes, long AvailableBytes, long BlockSize, long TotalInodes,
    long FreeInodes, long MaxNameLength);
