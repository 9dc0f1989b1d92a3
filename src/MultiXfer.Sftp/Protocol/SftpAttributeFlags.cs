namespace MultiXfer.Sftp.Protocol;

/// <summary>
/// Attribute presence bits. Version 3 (draft -02 §5) uses Size, UidGid, Permissions, AcModTime; versions 4 to 6
/// (draft -13 §7.1) replace UidGid with OwnerGroup and AcModTime with separate times.
/// </summary>
[Flags]
internal enum SftpAttributeFlags : uint
{
    None = 0,
    Size = 0x00000001,
    UidGid = 0x00000002,
    Permissions = 0x00000004,
    /// <summary>Version 3: atime and mtime as uint32 seconds. Versions 4+: AccessTime, same bit.</summary>
    AcModTime = 0x00000008,
    AccessTime = 0x00000008,
    CreateTime = 0x00000010,
    ModifyTime = 0x00000020,
    Acl = 0x00000040,
    OwnerGroup = 0x00000080,
    SubsecondTimes = 0x00000100,
    Bits = 0x00000200,
    AllocationSize = 0x00000400,
    TextHint = 0x00000800,
    MimeType = 0x00001000,
    LinkCount = 0x00002000,
    UntranslatedName = 0x00004000,
    ChangeTime = 0x00008000,
    Extended = 0x80000000,
}

/// <summary>File types of draft -13 §7.2 (versions 4+).</summary>
internal enum SftpFileType : byte
{
    Regular = 1,
    Directory = 2,
    Symlink = 3,
    Special = 4,
    Unknown = 5,
    Socket = 6,
    CharDevice = 7,
    BlockDevice = 8,
    Fifo = 9,
}
