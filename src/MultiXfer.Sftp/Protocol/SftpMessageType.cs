namespace MultiXfer.Sftp.Protocol;

/// <summary>Packet types of draft-ietf-secsh-filexfer-13 §4.3 (LINK, BLOCK and UNBLOCK are version 6 only).</summary>
internal enum SftpMessageType : byte
{
    Init = 1,
    Version = 2,
    Open = 3,
    Close = 4,
    Read = 5,
    Write = 6,
    Lstat = 7,
    Fstat = 8,
    Setstat = 9,
    Fsetstat = 10,
    Opendir = 11,
    Readdir = 12,
    Remove = 13,
    Mkdir = 14,
    Rmdir = 15,
    Realpath = 16,
    Stat = 17,
    Rename = 18,
    Readlink = 19,
    Symlink = 20,
    Link = 21,
    Block = 22,
    Unblock = 23,

    Status = 101,
    Handle = 102,
    Data = 103,
    Name = 104,
    Attrs = 105,

    Extended = 200,
    ExtendedReply = 201,
}
