using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;

namespace MultiXfer.Ftp;

/// <summary>The one place where storage errors become FTP replies (RFC 959 section 4.2, RFC 3659).</summary>
internal static class FsErrorReplies
{
    public static FtpReply For(FsErrorKind kind) => kind switch
    {
        FsErrorKind.NotFound => new(550, "No such file or directory."),
        FsErrorKind.PermissionDenied => new(550, "Permission denied."),
        FsErrorKind.AlreadyExists => new(550, "File exists."),
        FsErrorKind.NotEmpty => new(550, "Directory not empty."),
        FsErrorKind.NotADirectory => new(550, "Not a directory."),
        FsErrorKind.IsADirectory => new(550, "Is a directory."),
        // RFC 959 allows 452 (transient) and 552 (permanent) for STOR. A full disk gets 552: clients retry a 4xx at
        // once, and lftp 4.9 restarting an upload after 452 sends only the ~192 KiB it had buffered and ends the data
        // connection as if complete, which would store a truncated file under the name (seen with lftp, see README).
        FsErrorKind.NoSpace => new(552, "Insufficient storage space: No space left on device."),
        FsErrorKind.QuotaExceeded => new(552, "Exceeded storage allocation: Disk quota exceeded."),
        FsErrorKind.FileTooLarge => new(552, "Exceeded storage allocation: File too large."),
        FsErrorKind.ReadOnlyStorage => new(550, "Read-only file system."),
        FsErrorKind.StorageUnavailable => new(451, "Local error in processing: Storage unavailable."),
        FsErrorKind.InvalidName => new(553, "File name not allowed."),
        FsErrorKind.LinkLoop => new(550, "Too many levels of symbolic links."),
        FsErrorKind.CrossDevice => new(550, "Cannot move across file systems."),
        FsErrorKind.LockConflict => new(450, "File busy."),
        FsErrorKind.Unsupported => new(504, "Not supported by this storage."),
        FsErrorKind.InvalidArgument => new(550, "Requested action not taken: not possible for this file."),
        _ => new(451, "Local error in processing: Input/output error."),
    };
}
