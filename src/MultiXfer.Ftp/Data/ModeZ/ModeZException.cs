using MultiXfer.Ftp.Control;

namespace MultiXfer.Ftp.Data.ModeZ;

/// <summary>A MODE Z upload refused for what its compressed data is; carries the reply that ends the transfer.</summary>
internal sealed class ModeZException(FtpReply reply) : IOException(reply.Text)
{
    public FtpReply Reply { get; } = reply;
}
