namespace MultiXfer.Sftp.Protocol;

/// <summary>Version 3 and 4 "pflags" of SSH_FXP_OPEN (draft -02 §6.3, draft -04 §6.3 adds Text).</summary>
[Flags]
internal enum SftpPflags : uint
{
    Read = 0x01,
    Write = 0x02,
    Append = 0x04,
    Create = 0x08,
    Truncate = 0x10,
    Exclusive = 0x20,
    Text = 0x40,
}

/// <summary>Version 5 and 6 open flags (draft -13 §8.1.1.3); the low three bits are the access disposition.</summary>
[Flags]
internal enum SftpOpenFlags : uint
{
    AccessDispositionMask = 0x00000007,
    CreateNew = 0x00000000,
    CreateTruncate = 0x00000001,
    OpenExisting = 0x00000002,
    OpenOrCreate = 0x00000003,
    TruncateExisting = 0x00000004,
    AppendData = 0x00000008,
    AppendDataAtomic = 0x00000010,
    TextMode = 0x00000020,
    BlockRead = 0x00000040,
    BlockWrite = 0x00000080,
    BlockDelete = 0x00000100,
    BlockAdvisory = 0x00000200,
    NoFollow = 0x00000400,
    DeleteOnClose = 0x00000800,
    AccessAuditAlarmInfo = 0x00001000,
    AccessBackup = 0x00002000,
    BackupStream = 0x00004000,
    OverrideOwner = 0x00008000,
}

/// <summary>ACE4 access mask bits (draft -13 §7.8), used as the desired-access of version 5+ OPEN.</summary>
[Flags]
internal enum AceMask : uint
{
    ReadData = 0x00000001,
    ListDirectory = 0x00000001,
    WriteData = 0x00000002,
    AddFile = 0x00000002,
    AppendData = 0x00000004,
    AddSubdirectory = 0x00000004,
    ReadNamedAttrs = 0x00000008,
    WriteNamedAttrs = 0x00000010,
    Execute = 0x00000020,
    DeleteChild = 0x00000040,
    ReadAttributes = 0x00000080,
    WriteAttributes = 0x00000100,
    Delete = 0x00010000,
    ReadAcl = 0x00020000,
    WriteAcl = 0x00040000,
    WriteOwner = 0x00080000,
    Synchronize = 0x00100000,
}

/// <summary>RENAME flags of versions 5+ (draft -13 §8.3).</summary>
[Flags]
internal enum SftpRenameFlags : uint
{
    None = 0,
    Overwrite = 0x1,
    Atomic = 0x2,
    Native = 0x4,
}

/// <summary>REALPATH control byte of version 6 (draft -13 §8.9).</summary>
internal enum RealpathControl : byte
{
    NoCheck = 1,
    StatIf = 2,
    StatAlways = 3,
}
