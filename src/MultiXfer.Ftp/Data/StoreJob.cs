using System.Buffers;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;
using MultiXfer.Limits;
using MultiXfer.Transport.Data;

namespace MultiXfer.Ftp.Data;

/// <summary>
/// STOR, APPE, STOU: writes what arrives until the client closes the data connection, then commits. A crash-safe
/// upload replaces its target only at that commit; an abort or a lost connection leaves the target untouched.
/// </summary>
/// <param name="truncate">Resume (REST+STOR): cut the file at <paramref name="offset"/> once data is flowing, so a
/// failed data connection destroys nothing.</param>
/// <param name="requireCloseNotify">Over TLS, only an upload the client ended with close_notify is committed.</param>
internal sealed class StoreJob(IFileHandle file, long offset, bool truncate, bool ascii, string opening, FtpReply completion,
    bool requireCloseNotify) : ITransferJob
{
    private const int BufferSize = 256 * 1024;

    public string Opening => opening;

    public bool SendsData => false;

    public IFileHandle? File => file;

    public async Task<FtpReply> RunAsync(DataConnection data, Transfer transfer)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            if (truncate)
            {
                await file.SetLengthAsync(offset, transfer.Token);
            }

            if (ascii)
            {
                await ReceiveAsciiAsync(data, transfer, buffer);
            }
            else if (BlockingReceiver.TryTake(data, transfer))
            {
                await BlockingReceiver.ReceiveAsync(data, transfer, file, buffer, offset);
            }
            else
            {
                await ReceiveAsync(data, transfer, buffer);
            }

            if (requireCloseNotify && !data.EndedCleanly)
            {
                // The connection closed without TLS's close_notify: the end cannot be told from a truncation.
                return new FtpReply(426, "Upload ended without TLS close_notify; not stored, as it may be truncated.");
            }

            await file.CommitAsync(transfer.Token);
            return completion;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task ReceiveAsync(DataConnection data, Transfer transfer, byte[] buffer)
    {
        long position = offset;
        int n;
        while ((n = await ReadPacedAsync(data, transfer, buffer)) > 0)
        {
            await file.WriteAsync(position, buffer.AsMemory(0, n), transfer.Token);
            position += n;
        }
    }

    /// <summary>The next bytes from the data connection (0 at its end), counted as progress.</summary>
    private static async ValueTask<int> ReadPacedAsync(DataConnection data, Transfer transfer, byte[] buffer)
    {
        int n = await data.Stream.ReadAsync(buffer.AsMemory(0, transfer.StepFor(TransferDirection.Upload, BufferSize)), transfer.Token);
        if (n > 0)
        {
            // Reading no faster than the rate fills the TCP window, and so holds the client to the rate.
            await transfer.PaceAsync(TransferDirection.Upload, n);
            transfer.Progress(n);
        }

        return n;
    }

    /// <summary>TYPE A: CRLF becomes LF (RFC 959 §3.1.1.1), a CR at the end of one read carried to the next.</summary>
    private async Task ReceiveAsciiAsync(DataConnection data, Transfer transfer, byte[] buffer)
    {
        byte[] converted = ArrayPool<byte>.Shared.Rent(BufferSize + 1);
        try
        {
            bool pendingCr = false;
            long position = offset;
            int n;
            while ((n = await ReadPacedAsync(data, transfer, buffer)) > 0)
            {
                int m = AsciiConverter.FromNetwork(buffer.AsSpan(0, n), converted, ref pendingCr);
                await file.WriteAsync(position, converted.AsMemory(0, m), transfer.Token);
                position += m;
            }

            int tail = AsciiConverter.Flush(converted, ref pendingCr);
            await file.WriteAsync(position, converted.AsMemory(0, tail), transfer.Token);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(converted);
        }
    }

    public ValueTask DisposeAsync() => file.DisposeAsync();
}
