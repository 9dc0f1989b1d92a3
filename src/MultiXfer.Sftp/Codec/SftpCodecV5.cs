using MultiXfer.Fsio;
using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Codec;

/// <summary>Version 5, draft-ietf-secsh-filexfer-05: desired-access and disposition flags on OPEN, RENAME flags.</summary>
internal class SftpCodecV5 : SftpCodecV4Plus
{
    public override int Version => 5;

    protected override SftpStatusCode LastStatusCode => SftpStatusCode.LockConflict;

    protected override bool HasVersion6Fields => false;

    protected override bool HasBits => true;

    public override OpenRequest ReadOpen(ref SftpReader reader)
    {
        string path = reader.ReadUtf8();
        var access = (AceMask)reader.ReadUInt32();
        var flags = (SftpOpenFlags)reader.ReadUInt32();
        var attributes = ReadAttributes(ref reader);
        var disposition = flags & SftpOpenFlags.AccessDispositionMask;
        var (mode, truncate) = disposition switch
        {
            SftpOpenFlags.CreateNew => (FileCreateMode.CreateNew, false),
            SftpOpenFlags.CreateTruncate => (FileCreateMode.Replace, true),
            SftpOpenFlags.OpenExisting => (FileCreateMode.OpenExisting, false),
            SftpOpenFlags.OpenOrCreate => (FileCreateMode.OpenOrCreate, false),
            SftpOpenFlags.TruncateExisting => (FileCreateMode.OpenExisting, true),
            _ => throw new SftpBadMessageException("unknown access disposition"),
        };
        bool append = (flags & (SftpOpenFlags.AppendData | SftpOpenFlags.AppendDataAtomic)) != 0 ||
                      ((access & AceMask.AppendData) != 0 && (access & AceMask.WriteData) == 0);
        bool write = (access & (AceMask.WriteData | AceMask.AppendData)) != 0 || truncate || mode != FileCreateMode.OpenExisting;
        bool read = (access & AceMask.ReadData) != 0;
        return new OpenRequest(path, read, write, mode, truncate, append, (flags & SftpOpenFlags.TextMode) != 0,
            (flags & SftpOpenFlags.NoFollow) != 0, (flags & SftpOpenFlags.DeleteOnClose) != 0,
            flags & (SftpOpenFlags.BlockRead | SftpOpenFlags.BlockWrite | SftpOpenFlags.BlockDelete | SftpOpenFlags.BlockAdvisory),
            attributes);
    }

    public override SftpRenameFlags ReadRenameFlags(ref SftpReader reader) => (SftpRenameFlags)reader.ReadUInt32();
}
