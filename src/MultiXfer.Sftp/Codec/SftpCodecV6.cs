using MultiXfer.Sftp.Protocol;
using MultiXfer.Sftp.Wire;

namespace MultiXfer.Sftp.Codec;

/// <summary>
/// Version 6, draft-ietf-secsh-filexfer-13: LINK replaces SYMLINK, BLOCK/UNBLOCK, REALPATH control byte, more
/// attributes, end-of-list on READDIR.
/// </summary>
internal sealed class SftpCodecV6 : SftpCodecV5
{
    public override int Version => 6;

    protected override SftpStatusCode LastStatusCode => SftpStatusCode.NoMatchingByteRangeLock;

    protected override bool HasVersion6Fields => true;

    public override bool Defines(SftpMessageType type) =>
        type is SftpMessageType.Link or SftpMessageType.Block or SftpMessageType.Unblock ||
        (type != SftpMessageType.Symlink && base.Defines(type));

    public override (string Link, string Target) ReadSymlink(ref SftpReader reader) =>
        throw new SftpBadMessageException("SYMLINK does not exist in version 6; LINK replaces it");

    public override void WriteEndOfList(SftpWriter writer, bool endOfList) => writer.WriteBoolean(endOfList);
}
