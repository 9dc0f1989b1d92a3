namespace MultiXfer.Fsio.Local;

/// <summary>Linux errno values (identical on x86-64 and arm64) and their neutral meaning.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ETXTBSY = 26;
    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int EMLINK = 31;
    public const int ENAMETOOLONG = 36;
    public const int ENOLCK = 37;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int EOPNOTSUPP = 95;
    public const int ESHUTDOWN = 108;
    public const int ENOTCONN = 107;
    public const int ESTALE = 116;
    public const int EDQUOT = 122;

    public static FsErrorKind ToKind(int errno) => errno switch
    {
        ENOENT => FsErrorKind.NotFound,
        EPERM or EACCES => FsErrorKind.PermissionDenied,
        EROFS => FsErrorKind.ReadOnlyStorage,
        EEXIST => FsErrorKind.AlreadyExists,
        ENOTEMPTY => FsErrorKind.NotEmpty,
        ENOTDIR => FsErrorKind.NotADirectory,
        EISDIR => FsErrorKind.IsADirectory,
        ENOSPC => FsErrorKind.NoSpace,
        EFBIG => FsErrorKind.FileTooLarge,
        EDQUOT => FsErrorKind.QuotaExceeded,
        ENAMETOOLONG => FsErrorKind.InvalidName,
        ELOOP => FsErrorKind.LinkLoop,
        EXDEV => FsErrorKind.CrossDevice,
        EBUSY or ETXTBSY => FsErrorKind.LockConflict,
        EOPNOTSUPP or ENOSYS => FsErrorKind.Unsupported,
        // A FUSE daemon that died (ENOTCONN), an NFS export that went away (ESTALE), a device that vanished.
        ENOTCONN or ESTALE or ENODEV or ENXIO or ESHUTDOWN => FsErrorKind.StorageUnavailable,
        EINVAL or EMLINK => FsErrorKind.InvalidArgument,
        _ => FsErrorKind.IoError,
    };

    public static FsException Exception(int errno, string operation, VirtualPath path) =>
        new(ToKind(errno), $"{operation} {path}: errno {errno}");
}
