using System.Runtime.CompilerServices;
using MultiXfer.Connections;

namespace MultiXfer.Limits;

/// <summary>
/// A session's byte stream held to its rates: what is read counts as upload, what is written as download. Used where
/// file data and protocol share one stream (an SSH channel): pacing the reads holds back the channel window, so the
/// client sends no faster than the rate. Without a rate in force a call goes straight to the stream beneath, no
/// state machine in between; the channel stream stays owned by its channel (disposing this leaves it open).
/// </summary>
public sealed class PacedStream(Stream inner, SessionLimits limits) : RelayStream(inner)
{
    private readonly PaceTrack _uploads = new();
    private readonly PaceTrack _downloads = new();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        limits.Paces(TransferDirection.Upload) ? PacedReadAsync(buffer, cancellationToken) : Input.ReadAsync(buffer, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        limits.Paces(TransferDirection.Download) ? PacedWriteAsync(buffer, cancellationToken) : Output.WriteAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> PacedReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read = await Input.ReadAsync(buffer[..Math.Min(buffer.Length, limits.PacedChunk(TransferDirection.Upload))], cancellationToken);
        await limits.PaceAsync(TransferDirection.Upload, read, _uploads, cancellationToken);
        return read;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PacedWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int step = Math.Min(buffer.Length, limits.PacedChunk(TransferDirection.Download));
            await limits.PaceAsync(TransferDirection.Download, step, _downloads, cancellationToken);
            await Output.WriteAsync(buffer[..step], cancellationToken);
            buffer = buffer[step..];
        }
    }
}
