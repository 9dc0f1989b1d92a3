using System.Buffers.Binary;

namespace MultiXfer.Fsio.Local;

/// <summary>
/// Reads struct statx (statx(2)), whose layout is the same on every architecture, unlike struct stat. It also
/// carries the birth time that SFTP v4+ reports as createtime.
/// </summary>
internal static unsafe class Statx
{
    public const int BufferSize = 256;

    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int DirectoryFile = 0x4000;
    private const int SymlinkFile = 0xA000;

    /// <summary>statx on <paramref name="dirfd"/>/<paramref name="name"/>; with an empty name, on the descriptor itself.</summary>
    public static FileStatus Get(int dirfd, string name, bool followLinks, VirtualPath pathForErrors)
    {
        byte* buffer = stackalloc byte[BufferSize];
        int flags = name.Length == 0 ? LinuxNative.AtEmptyPath : 0;
        if (!followLinks)
        {
            flags |= LinuxNative.AtSymlinkNoFollow;
        }

        if (LinuxNative.Statx(dirfd, name, flags, LinuxNative.StatxBasicStats | LinuxNative.StatxBirthTime, buffer) != 0)
        {
            throw Errno.Exception(LinuxNative.LastError, "stat", pathForErrors);
        }

        return Decode(new ReadOnlySpan<byte>(buffer, BufferSize));
    }

    /// <summary>Like <see cref="Get"/> but returns null when the entry vanished in between (a listing race).</summary>
    public static FileStatus? TryGet(int dirfd, string name)
    {
        byte* buffer = stackalloc byte[BufferSize];
        if (LinuxNative.Statx(dirfd, name, LinuxNative.AtSymlinkNoFollow,
                LinuxNative.StatxBasicStats | LinuxNative.StatxBirthTime, buffer) != 0)
        {
            return null;
        }

        return Decode(new ReadOnlySpan<byte>(buffer, BufferSize));
    }

    private static FileStatus Decode(ReadOnlySpan<byte> b)
    {
        uint mask = BinaryPrimitives.ReadUInt32LittleEndian(b);
        int mode = BinaryPrimitives.ReadUInt16LittleEndian(b[28..]);
        ulong blocks = BinaryPrimitives.ReadUInt64LittleEndian(b[48..]);
        uint devMajor = BinaryPrimitives.ReadUInt32LittleEndian(b[136..]);
        uint devMinor = BinaryPrimitives.ReadUInt32LittleEndian(b[140..]);
        return new FileStatus
        {
            Type = (mode & FileTypeMask) switch
            {
                RegularFile => FileType.Regular,
                DirectoryFile => FileType.Directory,
                SymlinkFile => FileType.SymbolicLink,
                _ => FileType.Special,
            },
            Permissions = mode & 0xFFF,
            LinkCount = BinaryPrimitives.ReadUInt32LittleEndian(b[16..]),
            OwnerId = BinaryPrimitives.ReadUInt32LittleEndian(b[20..]),
            GroupId = BinaryPrimitives.ReadUInt32LittleEndian(b[24..]),
            Inode = BinaryPrimitives.ReadUInt64LittleEndian(b[32..]),
            Size = (long)BinaryPrimitives.ReadUInt64LittleEndian(b[40..]),
            AllocatedSize = (long)(blocks * 512),
            AccessedUtc = Time(b[64..]),
            CreatedUtc = (mask & LinuxNative.StatxBirthTime) != 0 ? Time(b[80..]) : null,
            ChangedUtc = Time(b[96..]),
            ModifiedUtc = Time(b[112..]),
            Device = ((ulong)devMajor << 32) | devMinor,
        };
    }

    private static DateTime Time(ReadOnlySpan<byte> timestamp)
    {
        long seconds = BinaryPrimitives.ReadInt64LittleEndian(timestamp);
        uint nanoseconds = BinaryPrimitives.ReadUInt32LittleEndian(timestamp[8..]);
        return DateTime.UnixEpoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100));
    }

    public static LinuxNative.Timespec ToTimespec(DateTime? utc)
    {
        if (utc is not { } value)
        {
            return new LinuxNative.Timespec { Seconds = 0, Nanoseconds = LinuxNative.UtimeOmit };
        }

        long ticks = value.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder);
        if (remainder < 0)
        {
            seconds--;
            remainder += TimeSpan.TicksPerSecond;
        }

        return new LinuxNative.Timespec { Seconds = seconds, Nanoseconds = remainder * 100 };
    }
}
