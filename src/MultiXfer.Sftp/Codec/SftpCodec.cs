using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Codec;

/// <summary>
/// Everything that differs between protocol versions: attribute layouts, OPEN and RENAME arguments, NAME entries,
/// status codes, which packets exist. One instance is chosen at INIT (or version-select) and handlers go through
/// it, so no handler ever asks which version is in use.
/// </summary>
internal abstract class SftpCodec
{
    public abstract int Version { get; }

    /// <summary>The highest status code this version defines; larger ones are folded.</summary>
    protected abstract SftpStatusCode LastStatusCode { get; }

    /// <summary>Attribute bits this server fills in (the "supported" extensions announce them).</summary>
    public abstract SftpAttributeFlags SupportedAttributes { get; }

    /// <summary>Whether a request type exists in this version (LINK, BLOCK, UNBLOCK are version 6 only).</summary>
    public virtual bool Defines(SftpMessageType type) => type is >= SftpMessageType.Open and <= SftpMessageType.Symlink
        or SftpMessageType.Extended;

    public abstract SftpAttributes ReadAttributes(ref SftpReader reader);

    /// <summary>
    /// Writes the attributes of <paramref name="status"/>: in versions 4+ only those in <paramref name="requested"/>
    /// (the flags of STAT/LSTAT/FSTAT), everything this server knows otherwise.
    /// </summary>
    public abstract void WriteAttributes(SftpWriter writer, string name, FileStatus status, SftpAttributeFlags requested, OwnerNames owners);

    /// <summary>Empty attributes (REALPATH without a stat).</summary>
    public abstract void WriteEmptyAttributes(SftpWriter writer);

    /// <summary>Versions 4+ carry the wanted attribute bits after the path or handle; version 3 carries nothing.</summary>
    public virtual SftpAttributeFlags ReadStatFlags(ref SftpReader reader) => SupportedAttributes;

    public abstract OpenRequest ReadOpen(ref SftpReader reader);

    /// <summary>The flags of a RENAME (versions 5+); earlier versions never overwrite (draft -02 §6.5).</summary>
    public virtual SftpRenameFlags ReadRenameFlags(ref SftpReader reader) => SftpRenameFlags.None;

    /// <summary>The (link, target) of a SYMLINK request.</summary>
    public abstract (string Link, string Target) ReadSymlink(ref SftpReader reader);

    /// <summary>One NAME entry. Version 3 adds the ls -l long name.</summary>
    public abstract void WriteNameEntry(SftpWriter writer, string name, FileStatus? status, OwnerNames owners, DateTime nowUtc);

    /// <summary>Version 6 may end a READDIR batch with end-of-list; earlier versions have no such field.</summary>
    public virtual void WriteEndOfList(SftpWriter writer, bool endOfList)
    {
    }

    /// <summary>Folds a status code the client's version does not know into the closest one it does.</summary>
    public SftpStatusCode FoldStatus(SftpStatusCode code)
    {
        if (code <= LastStatusCode)
        {
            return code;
        }

        // As OpenSSH folds errno values for version 3 (errno_to_portable in sftp-server.c).
        return code switch
        {
            SftpStatusCode.NoSuchPath or SftpStatusCode.NotADirectory or SftpStatusCode.LinkLoop => SftpStatusCode.NoSuchFile,
            SftpStatusCode.CannotDelete => FoldStatus(SftpStatusCode.PermissionDenied),
            SftpStatusCode.InvalidFilename => SftpStatusCode.BadMessage,
            SftpStatusCode.ByteRangeLockConflict or SftpStatusCode.ByteRangeLockRefused or SftpStatusCode.NoMatchingByteRangeLock =>
                FoldStatus(SftpStatusCode.LockConflict),
            SftpStatusCode.InvalidParameter => FoldStatus(SftpStatusCode.BadMessage),
            _ => SftpStatusCode.Failure,
        };
    }

    /// <summary>Converts a client time (seconds since the epoch, nanoseconds) into UTC, rejecting what DateTime cannot hold.</summary>
    protected static DateTime FromUnix(long seconds, uint nanoseconds)
    {
        if (seconds < -62135596800L || seconds > 253402300799L || nanoseconds >= 1_000_000_000)
        {
            throw new SftpBadMessageException("time out of range");
        }

        return DateTime.UnixEpoch.AddSeconds(seconds).AddTicks(nanoseconds / 100);
    }

    protected static long UnixSeconds(DateTime utc) => (long)Math.Floor((utc - DateTime.UnixEpoch).TotalSeconds);

    protected static uint Nanoseconds(DateTime utc) =>
        (uint)(((utc.Ticks - DateTime.UnixEpoch.Ticks) % TimeSpan.TicksPerSecond + TimeSpan.TicksPerSecond) % TimeSpan.TicksPerSecond * 100);

    /// <summary>st_mode: the type bits POSIX puts above the permission bits (clients test S_ISDIR on them).</summary>
    protected static uint Mode(FileStatus status) => (uint)(status.Permissions & 0xFFF) | status.Type switch
    {
        FileType.Regular => 0x8000u,
        FileType.Directory => 0x4000u,
        FileType.SymbolicLink => 0xA000u,
        _ => 0u,
    };

    /// <summary>Skips extended attribute pairs (name, data); none are understood, but each is bounds-checked.</summary>
    protected static int SkipExtendedPairs(ref SftpReader reader)
    {
        int count = reader.ReadCount(8);
        for (int i = 0; i < count; i++)
        {
            reader.ReadString();
            reader.ReadString();
        }

        return count;
    }
}
