using MultiXfer.Sftp.Protocol;

namespace MultiXfer.Sftp.Codec;

/// <summary>
/// Attributes a client sent (OPEN, MKDIR, SETSTAT, FSETSTAT), in one shape for every protocol version. A null
/// member was not sent.
/// </summary>
internal sealed class SftpAttributes
{
    public static readonly SftpAttributes Empty = new();

    public long? Size { get; set; }
    public uint? OwnerId { get; set; }
    public uint? GroupId { get; set; }
    public string? OwnerName { get; set; }
    public string? GroupName { get; set; }
    public int? Permissions { get; set; }
    public DateTime? AccessedUtc { get; set; }
    public DateTime? ModifiedUtc { get; set; }
    public DateTime? CreatedUtc { get; set; }
    public bool HasAcl { get; set; }
    public int ExtendedCount { get; set; }

    public bool ChangesOwner => OwnerId is not null || GroupId is not null || OwnerName is not null || GroupName is not null;
}

/// <summary>How a version 3/4 pflags or a version 5/6 desired-access + flags pair maps onto FSIO.</summary>
internal readonly record struct OpenRequest(
    string Path,
    bool Read,
    bool Write,
    Fsio.FileCreateMode Create,
    bool Truncate,
    bool Append,
    bool TextMode,
    bool NoFollow,
    bool DeleteOnClose,
    SftpOpenFlags BlockFlags,
    SftpAttributes Attributes);
