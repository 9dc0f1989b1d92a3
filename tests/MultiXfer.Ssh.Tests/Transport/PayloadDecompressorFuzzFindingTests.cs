using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Transport;

/// <summary>
/// Found by the ssh-packet fuzz target (fuzz/regressions/ssh-packet/zlib-error-escapes-decompressor): a zlib payload
/// with a valid header and a broken deflate stream makes .NET's inflater throw ZLibException, which is an IOException
/// rather than an InvalidDataException. It escaped as "connection lost" instead of
/// SSH_MSG_DISCONNECT with COMPRESSION_ERROR (RFC 4253 §11.1, reason 6).
/// </summary>
public class PayloadDecompressorFuzzFindingTests
{
    [Fact]
    public void A_broken_deflate_stream_is_a_compression_error()
    {
        using var decompressor = new PayloadDecompressor();
        var error = Assert.ThrowsAny<Exception>(() => decompressor.Decompress("Xf0000"u8));
        Assert.IsType<SshProtocolException>(error);
    }
}
