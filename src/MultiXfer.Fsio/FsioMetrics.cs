using System.Diagnostics.Metrics;

namespace MultiXfer.Fsio;

/// <summary>
/// Storage failures as metrics: every one the session layer hands to a protocol (FTP, SFTP, SCP alike), by the
/// operation and the kind of failure. A write handle's first failure counts once (as "upload"), not every refusal
/// of the poisoned handle after it; reads of a download in progress are not counted.
/// </summary>
public sealed class FsioMetrics
{
    public const string MeterName = "MultiXfer.Fsio";

    private readonly Counter<long> _errors;

    public FsioMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _errors = Meter.CreateCounter<long>("multixfer.fsio.errors", "{error}",
            "Storage operations that failed, by operation (stat, open, list, mkdir, delete, rename, upload, ...) and kind " +
            "(not_found, permission_denied, ...)");
    }

    public Meter Meter { get; }

    internal void Failed(string operation, FsErrorKind kind) => _errors.Add(1, new("operation", operation), new("kind", kind switch
    {
        FsErrorKind.NotFound => "not_found",
        FsErrorKind.PermissionDenied => "permission_denied",
        FsErrorKind.AlreadyExists => "already_exists",
        FsErrorKind.NotEmpty => "not_empty",
        FsErrorKind.NotADirectory => "not_a_directory",
        FsErrorKind.IsADirectory => "is_a_directory",
        FsErrorKind.NoSpace => "no_space",
        FsErrorKind.QuotaExceeded => "quota_exceeded",
        FsErrorKind.FileTooLarge => "file_too_large",
        FsErrorKind.ReadOnlyStorage => "read_only_storage",
        FsErrorKind.StorageUnavailable => "storage_unavailable",
        FsErrorKind.InvalidName => "invalid_name",
        FsErrorKind.InvalidHandle => "invalid_handle",
        FsErrorKind.LinkLoop => "link_loop",
        FsErrorKind.CrossDevice => "cross_device",
        FsErrorKind.LockConflict => "lock_conflict",
        FsErrorKind.Unsupported => "unsupported",
        FsErrorKind.InvalidArgument => "invalid_argument",
        _ => "io_error",
    }));
}
