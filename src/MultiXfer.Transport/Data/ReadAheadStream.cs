using System.Buffers;
using MultiXfer.Connections;

namespace MultiXfer.Transport.Data;

/// <summary>
/// Large reads under the TLS layer of an FTP data connection. SslStream asks the stream beneath it for little more
/// than a record at a time (up to 16 KiB), and on the socket each ask is an asynchronous receive with its thread
/// hand-offs: some 65,000 per GiB uploaded. This reads up to 256 KiB at once and serves SslStream from that, so
/// most of its reads complete without waiting. The buffer is held only while it has unread bytes (an idle or
/// sending connection holds none); writes, zero-byte waits and reads of at least the buffer's size pass straight
/// through.
/// </summary>
internal sealed class ReadAheadStream(Stream inner) : RelayStream(inner)
{
    private const int ReadSize = 256 * 1024;

    private byte[]? _buffer;
    private int _start;
    private int _end;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var buffered = _buffer;
        if (buffered is null)
        {
            if (destination.Length == 0 || destination.Length >= ReadSize)
            {
                return await Input.ReadAsync(destination, cancellationToken);
            }

            var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
            int read;
            try
            {
                read = await Input.ReadAsync(buffer.AsMemory(0, ReadSize), cancellationToken);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }

            if (read == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return 0;
            }

            (buffered, _buffer, _start, _end) = (buffer, buffer, 0, read);
        }

        int n = Math.Min(destination.Length, _end - _start);
        buffered.AsMemory(_start, n).CopyTo(destination);
        _start += n;
        if (_start == _end)
        {
            ReturnBuffer();
        }

        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReturnBuffer();
            Input.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        ReturnBuffer();
        return Input.DisposeAsync();
    }

    /// <summary>Once only, though a dispose (an abort) may race the reader.</summary>
    private void ReturnBuffer()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
