namespace MultiXfer.Limits;

/// <summary>
/// A session's byte stream held to its rates: what is read counts as upload, what is written as download. Used where
/// file data and protocol share one stream (an SSH channel): pacing the reads holds back the channel window, so the
/// client sends no faster than the rate. Without a rate in force it passes calls straight through.
/// </summary>
public sealed class PacedStream(Stream inner, SessionLimits limits) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!limits.Paces(TransferDirection.Upload))
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        int read = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, limits.PacedChunk(TransferDirection.Upload))], cancellationToken);
        await limits.PaceAsync(TransferDirection.Upload, read, cancellationToken);
        return read;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!limits.Paces(TransferDirection.Download))
        {
            await inner.WriteAsync(buffer, cancellationToken);
            return;
        }

        while (!buffer.IsEmpty)
        {
            int step = Math.Min(buffer.Length, limits.PacedChunk(TransferDirection.Download));
            await limits.PaceAsync(TransferDirection.Download, step, cancellationToken);
            await inner.WriteAsync(buffer[..step], cancellationToken);
            buffer = buffer[step..];
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
