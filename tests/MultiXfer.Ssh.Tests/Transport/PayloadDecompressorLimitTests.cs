using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Transport;

/// <summary>
/// The decompressor's buffer starts small and grows with the payloads: the limit must still hold exactly (a payload of
/// the packet limit inflates, one byte more is a COMPRESSION_ERROR, RFC 4253 §11.1), and a small payload after a
/// large one must come out whole.
/// </summary>
public class PayloadDecompressorLimitTests
{
    [Fact]
    public void Payloads_up_to_the_limit_inflate_and_one_byte_more_is_refused()
    {
        using var compressor = new PayloadCompressor();
        using var decompressor = new PayloadDecompressor();
        var random = new Random(7);
        foreach (int length in new[] { 10, 5000, WireLimits.MaxPacketLength, 3 })
        {
            var payload = new byte[length];
            random.NextBytes(payload.AsSpan(0, length / 2));
            Assert.Equal(payload, decompressor.Decompress(compressor.Compress(payload).Span).ToArray());
        }

        var tooLarge = new byte[WireLimits.MaxPacketLength + 1];
        var error = Assert.Throws<SshProtocolException>(() => decompressor.Decompress(compressor.Compress(tooLarge).Span));
        Assert.Contains("beyond the packet limit", error.Message);
    }
}
