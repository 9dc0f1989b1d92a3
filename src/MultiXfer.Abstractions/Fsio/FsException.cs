namespace MultiXfer.Fsio;

/// <summary>A failed filesystem operation with its neutral <see cref="FsErrorKind"/>.</summary>
/// <remarks>The message is for logs; protocols reply from <see cref="Kind"/> only, so no host detail leaks.</remarks>
public sealed class FsException : Exception
{
    public FsException(FsErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    public FsErrorKind Kind { get; }

    public static FsException NotFound(VirtualPath path) => new(FsErrorKind.NotFound, $"{path}: not found");

    public static FsException Denied(VirtualPath path, string what) =>
        new(FsErrorKind.PermissionDenied, $"{path}: {what} not permitted");

    /// <summary>
    /// The reason a client is told, in strerror(3) words where there is one: every protocol puts it into its
    /// replies (FTP text, SFTP status message, SCP warning line), so the same failure reads the same everywhere.
    /// </summary>
    public static string Describe(FsErrorKind kind) => kind switch
    {
        FsErrorKind.NotFound => "No such file or directory",
        FsErrorKind.PermissionDenied => "Permission denied",
        FsErrorKind.AlreadyExists => "File exists",
        FsErrorKind.NotEmpty => "Directory not empty",
        FsErrorKind.NotADirectory => "Not a directory",
        FsErrorKind.IsADirectory => "Is a directory",
        FsErrorKind.NoSpace => "No space left on device",
        FsErrorKind.QuotaExceeded => "Disk quota exceeded",
        FsErrorKind.FileTooLarge => "File too large",
        FsErrorKind.ReadOnlyStorage => "Read-only file system",
        FsErrorKind.StorageUnavailable => "Storage unavailable",
        FsErrorKind.InvalidName => "Invalid file name",
        FsErrorKind.InvalidHandle => "Invalid handle",
        FsErrorKind.LinkLoop => "Too many levels of symbolic links",
        FsErrorKind.CrossDevice => "Cannot move across file systems",
        FsErrorKind.LockConflict => "File busy",
        FsErrorKind.Unsupported => "Operation not supported",
        FsErrorKind.InvalidArgument => "Invalid argument",
        _ => "Input/output error",
    };
}
