namespace MultiXfer.Fsio;

/// <summary>
/// Protocol-neutral reasons a filesystem operation fails. Each protocol maps these to its own replies in one
/// place (FTP reply codes, SFTP status codes); storage never carries protocol codes.
/// </summary>
public enum FsErrorKind
{
    /// <summary>The path does not exist inside the user's root. Paths outside the root also report this.</summary>
    NotFound,
    PermissionDenied,
    AlreadyExists,
    NotEmpty,
    NotADirectory,
    IsADirectory,
    NoSpace,
    QuotaExceeded,
    /// <summary>The file would exceed the largest size the storage allows (EFBIG).</summary>
    FileTooLarge,
    /// <summary>The storage is mounted read-only (EROFS).</summary>
    ReadOnlyStorage,
    /// <summary>The storage went away under the server: an unmounted, stale or disconnected file system.</summary>
    StorageUnavailable,
    /// <summary>The name is not acceptable: NUL or control characters, too long, reserved.</summary>
    InvalidName,
    InvalidHandle,
    /// <summary>Too many symbolic links were followed while resolving the path.</summary>
    LinkLoop,
    /// <summary>Source and target are on different file systems and the operation cannot cross them.</summary>
    CrossDevice,
    /// <summary>The file is locked by someone else, or is in use in a way that forbids the operation.</summary>
    LockConflict,
    Unsupported,
    InvalidArgument,
    /// <summary>Anything else the storage reported; logged with its detail, never shown to the client.</summary>
    IoError,
}
