using MultiXfer.Ssh.Connection;

namespace MultiXfer.Ssh.Tests.Connection;

public sealed class ChannelInputTests
{
    /// <summary>
    /// One-byte packets are packed into shared segments: the bytes come back in order and whole, and the buffered
    /// segments number what the bytes need, not one per packet.
    /// </summary>
    [Fact]
    public async Task Tiny_packets_are_packed_and_read_back_in_order()
    {
        int released = 0;
        var input = new ChannelInput(n => released += n);
        var expected = new byte[100_000];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] = (byte)(i * 7);
            input.Append(expected.AsSpan(i, 1));
        }

        Assert.True(input.BufferedSegments <= expected.Length / (16 * 1024) + 1, $"{input.BufferedSegments} segments");
        input.End();
        var received = new MemoryStream();
        var buffer = new byte[3000];
        int read;
        while ((read = await input.ReadAsync(buffer, default)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        Assert.Equal(expected, received.ToArray());
        Assert.Equal(expected.Length, released);
    }

    [Fact]
    public async Task A_segment_taken_in_part_keeps_filling_behind_the_reader()
    {
        var input = new ChannelInput(_ => { });
        input.Append("abc"u8);
        var buffer = new byte[2];
        Assert.Equal(2, await input.ReadAsync(buffer, default));
        input.Append("def"u8);
        input.End();
        var rest = new byte[10];
        int n = await input.ReadAsync(rest, default);
        Assert.Equal("cdef", System.Text.Encoding.ASCII.GetString(rest, 0, n));
        Assert.Equal(0, await input.ReadAsync(rest, default));
    }
}
