using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;

namespace MultiXfer.Sftp.Engine;

/// <summary>The one place FSIO's neutral failures become SFTP status codes (the codec folds them per version).</summary>
internal static class StatusMapping
{
    public static SftpStatusCode From(FsErrorKind kind) => kind switch
    {
        FsErrorKind.NotFound => SftpStatusCode.NoSuchFile,
        FsErrorKind.PermissionDenied => SftpStatusCode.PermissionDenied,
        FsErrorKind.AlreadyExists => SftpStatusCode.FileAlreadyExists,
        FsErrorKind.NotEmpty => SftpStatusCode.DirNotEmpty,
        FsErrorKind.NotADirectory => SftpStatusCode.NotADirectory,
        FsErrorKind.IsADirectory => SftpStatusCode.FileIsADirectory,
        FsErrorKind.NoSpace => SftpStatusCode.NoSpaceOnFilesystem,
        FsErrorKind.QuotaExceeded => SftpStatusCode.QuotaExceeded,
        FsErrorKind.ReadOnlyStorage => SftpStatusCode.WriteProtect,
        FsErrorKind.StorageUnavailable => SftpStatusCode.NoMedia,
        FsErrorKind.InvalidName => SftpStatusCode.InvalidFilename,
        FsErrorKind.InvalidHandle => SftpStatusCode.InvalidHandle,
        FsErrorKind.LinkLoop => SftpStatusCode.LinkLoop,
        FsErrorKind.LockConflict => SftpStatusCode.LockConflict,
        FsErrorKind.Unsupported => SftpStatusCode.OpUnsupported,
        FsErrorKind.InvalidArgument => SftpStatusCode.InvalidParameter,
        _ => SftpStatusCode.Failure,
    };

    /// <summary>The message text sent with a status; the same words OpenSSH's sftp-server uses where it has them.</summary>
    public static string Message(SftpStatusCode code) => code switch
    {
        SftpStatusCode.Ok => "Success",
        SftpStatusCode.Eof => "End of file",
        SftpStatusCode.NoSuchFile => "No such file",
        SftpStatusCode.PermissionDenied => "Permission denied",
        SftpStatusCode.Failure => "Failure",
        SftpStatusCode.BadMessage => "Bad message",
        SftpStatusCode.OpUnsupported => "Operation unsupported",
        SftpStatusCode.InvalidHandle => "Invalid handle",
        SftpStatusCode.NoSuchPath => "No such path",
        SftpStatusCode.FileAlreadyExists => "File already exists",
        SftpStatusCode.WriteProtect => "Write protected",
        SftpStatusCode.NoMedia => "No media",
        SftpStatusCode.NoSpaceOnFilesystem => "No space left on device",
        SftpStatusCode.QuotaExceeded => "Quota exceeded",
        SftpStatusCode.LockConflict => "Lock conflict",
        SftpStatusCode.DirNotEmpty => "Directory not empty",
        SftpStatusCode.NotADirectory => "Not a directory",
        SftpStatusCode.InvalidFilename => "Invalid file name",
        SftpStatusCode.LinkLoop => "Too many symbolic links",
        SftpStatusCode.InvalidParameter => "Invalid parameter",
        SftpStatusCode.FileIsADirectory => "Is a directory",
        SftpStatusCode.ByteRangeLockConflict => "Byte range lock conflict",
        SftpStatusCode.ByteRangeLockRefused => "Byte range lock refused",
        SftpStatusCode.NoMatchingByteRangeLock => "No matching byte range lock",
        _ => "Failure",
    };
}

/// <summary>A request ends with this status (raised where a plain FSIO error does not say enough).</summary>
internal sealed class SftpStatusException(SftpStatusCode code, string? detail = null) : Exception(detail ?? StatusMapping.Message(code))
{
    public SftpStatusCode Code { get; } = code;

    /// <summary>The message for the client, or null for the standard text of the code it receives.</summary>
    public string? Detail { get; } = detail;
}
