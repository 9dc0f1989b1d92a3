using System.Diagnostics.Metrics;
using MultiXfer.Sftp.Protocol;

namespace MultiXfer.Sftp;

/// <summary>
/// SFTP requests as metrics, counted when each is answered. "request" is the request's name as sftp-server -Q lists
/// it, an extended request's own name when this server implements it ("extended_other" otherwise: the client picks
/// that text), or "other" for a type byte no version defines. "status" is the SSH_FX code the server chose, in lower
/// case (before folding it for an older client's version), or for an answer that is not a STATUS its packet type:
/// "handle", "data", "name", "attrs" or "extended_reply".
/// </summary>
public sealed class SftpMetrics
{
    public const string MeterName = "MultiXfer.Sftp";

    private readonly Counter<long> _requests;

    public SftpMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _requests = Meter.CreateCounter<long>("multixfer.sftp.requests", "{request}",
            "SFTP requests answered, by request and the status (or reply type) of the answer");
    }

    public Meter Meter { get; }

    internal void Answered(string request, string status) => _requests.Add(1, new("request", request), new("status", status));

    /// <summary>The tag of a STATUS answer: SSH_FX_NO_SUCH_FILE is "no_such_file" (draft-ietf-secsh-filexfer-13 §9.1).</summary>
    internal static string StatusName(SftpStatusCode code) => code switch
    {
        SftpStatusCode.Ok => "ok",
        SftpStatusCode.Eof => "eof",
        SftpStatusCode.NoSuchFile => "no_such_file",
        SftpStatusCode.PermissionDenied => "permission_denied",
        SftpStatusCode.Failure => "failure",
        SftpStatusCode.BadMessage => "bad_message",
        SftpStatusCode.NoConnection => "no_connection",
        SftpStatusCode.ConnectionLost => "connection_lost",
        SftpStatusCode.OpUnsupported => "op_unsupported",
        SftpStatusCode.InvalidHandle => "invalid_handle",
        SftpStatusCode.NoSuchPath => "no_such_path",
        SftpStatusCode.FileAlreadyExists => "file_already_exists",
        SftpStatusCode.WriteProtect => "write_protect",
        SftpStatusCode.NoMedia => "no_media",
        SftpStatusCode.NoSpaceOnFilesystem => "no_space_on_filesystem",
        SftpStatusCode.QuotaExceeded => "quota_exceeded",
        SftpStatusCode.UnknownPrincipal => "unknown_principal",
        SftpStatusCode.LockConflict => "lock_conflict",
        SftpStatusCode.DirNotEmpty => "dir_not_empty",
        SftpStatusCode.NotADirectory => "not_a_directory",
        SftpStatusCode.InvalidFilename => "invalid_filename",
        SftpStatusCode.LinkLoop => "link_loop",
        SftpStatusCode.CannotDelete => "cannot_delete",
        SftpStatusCode.InvalidParameter => "invalid_parameter",
        SftpStatusCode.FileIsADirectory => "file_is_a_directory",
        SftpStatusCode.ByteRangeLockConflict => "byte_range_lock_conflict",
        SftpStatusCode.ByteRangeLockRefused => "byte_range_lock_refused",
        SftpStatusCode.DeletePending => "delete_pending",
        SftpStatusCode.FileCorrupt => "file_corrupt",
        SftpStatusCode.OwnerInvalid => "owner_invalid",
        SftpStatusCode.GroupInvalid => "group_invalid",
        SftpStatusCode.NoMatchingByteRangeLock => "no_matching_byte_range_lock",
        _ => "other",
    };

    /// <summary>The tag of an answer that is not a STATUS.</summary>
    internal static string ReplyName(SftpMessageType type) => type switch
    {
        SftpMessageType.Handle => "handle",
        SftpMessageType.Data => "data",
        SftpMessageType.Name => "name",
        SftpMessageType.Attrs => "attrs",
        SftpMessageType.ExtendedReply => "extended_reply",
        _ => "other",
    };
}
