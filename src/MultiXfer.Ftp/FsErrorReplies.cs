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
        // RFC 959 §4.2: 452 is the system's storage, 552 the user's allocation. A full disk gets 552 all the same,
        // as every failure that ends an upload does (ForAbortedUpload).
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

    /// <summary>
    /// The reply ending an upload the storage failed once data was flowing: always permanent (552, which RFC 959 lists
    /// for STOR, APPE and STOU). Clients restart an upload after a transient 4xx at once, and lftp 4.9 restarting one
    /// sends only the ~192 KiB it still had buffered and ends the data connection as if done, which would store a
    /// truncated file under the name (see the README's failure semantics).
    /// </summary>
    public static FtpReply ForAbortedUpload(FsErrorKind kind)
    {
        var reply = For(kind);
        return reply.Code is >= 400 and < 500 ? new FtpReply(552, "Upload aborted: " + FsException.Describe(kind) + ".") : reply;
    }
}
