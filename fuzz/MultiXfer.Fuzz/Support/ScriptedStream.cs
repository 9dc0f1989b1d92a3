namespace MultiXfer.Fuzz.Support;

/// <summary>
/// A duplex stream for a scripted peer: reads return the script in chunks of at most <paramref name="chunk"/> bytes
/// (so the reader's buffering is exercised across read boundaries), then end of stream; writes are counted and, up
/// to a bound, kept for harnesses that look at replies, and shown to <see cref="OnWritten"/> for those that react.
/// </summary>
internal class ScriptedStream(byte[] script, int chunk = 4093, int keep = 0) : Stream
{
    private readonly MemoryStream _written = new();
    private int _position;

    public long BytesWritten { get; private set; }

    public byte[] Written => _written.ToArray();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int count = Math.Min(Math.Min(buffer.Length, script.Length - _position), chunk);
        script.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        OnWritten(buffer);
        BytesWritten += buffer.Length;
        if (_written.Length < keep)
        {
            _written.Write(buffer[..(int)Math.Min(buffer.Length, keep - _written.Length)]);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>What the code under test wrote, as it writes it.</summary>
    protected virtual void OnWritten(ReadOnlySpan<byte> bytes)
    {
    }
}
