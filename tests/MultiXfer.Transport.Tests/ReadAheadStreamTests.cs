using MultiXfer.Connections;
using MultiXfer.Transport.Data;

namespace MultiXfer.Transport.Tests;

/// <summary>The read-ahead under an FTPS data connection's TLS must hand every byte up once, in order, whatever
/// sizes the layer above asks for and the socket delivers, and must pass end of stream and zero-byte waits through.</summary>
public class ReadAheadStreamTests
{
    [Fact]
    public async Task Every_byte_arrives_once_in_order_whatever_the_read_sizes()
    {
        var data = new byte[1_000_000];
        new Random(5).NextBytes(data);
        var underneath = new TricklingStream(data, [1, 70_000, 300_000, 5, 262_144]);
        await using var stream = new ReadAheadStream(underneath);
        var received = new MemoryStream();
        var sizes = new[] { 5, 16_389, 1, 300_000, 4096 };
        var buffer = new byte[300_000];
        for (int i = 0; ; i++)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(0, sizes[i % sizes.Length]));
            if (n == 0)
            {
                break;
            }

            received.Write(buffer, 0, n);
        }

        Assert.Equal(data, received.ToArray());
        Assert.Equal(0, await stream.ReadAsync(buffer.AsMemory(0, 10)));
        // Small reads were served from the read-ahead: far fewer reads reached the stream beneath than were made.
        Assert.InRange(underneath.Reads, 1, 40);
    }

    [Fact]
    public async Task A_zero_byte_read_is_passed_through_while_nothing_is_buffered()
    {
        var underneath = new TricklingStream([1, 2, 3], [3]);
        await using var stream = new ReadAheadStream(underneath);
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        Assert.Equal(1, underneath.Reads);
        var one = new byte[1];
        Assert.Equal(1, await stream.ReadAsync(one));
        Assert.Equal(1, one[0]);
        // Buffered bytes remain: a zero-byte read answers at once without asking the stream beneath.
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        Assert.Equal(2, underneath.Reads);
    }

    /// <summary>Returns the data in chunks of the given sizes, in turn, as a socket might (RelayStream's sync Read
    /// goes through this ReadAsync; nothing is ever written).</summary>
    private sealed class TricklingStream(byte[] data, int[] chunks) : RelayStream(Stream.Null)
    {
        private int _position;
        private int _turn;

        public int Reads { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            if (buffer.Length == 0)
            {
                return ValueTask.FromResult(0);
            }

            int n = Math.Min(Math.Min(buffer.Length, chunks[_turn++ % chunks.Length]), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            return ValueTask.FromResult(n);
        }
    }
}
