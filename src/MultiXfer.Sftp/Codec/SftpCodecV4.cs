using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Codec;

/// <summary>Version 4, draft-ietf-secsh-filexfer-04.</summary>
internal sealed class SftpCodecV4 : SftpCodecV4Plus
{
    public override int Version => 4;

    protected override SftpStatusCode LastStatusCode => SftpStatusCode.NoMedia;

    protected override bool HasVersion6Fields => false;

    protected override bool HasBits => false;

    public override OpenRequest ReadOpen(ref SftpReader reader)
    {
        string path = reader.ReadUtf8();
        var pflags = (SftpPflags)reader.ReadUInt32();
        var attributes = ReadAttributes(ref reader);
        return SftpCodecV3.FromPflags(path, pflags, attributes);
    }
}
