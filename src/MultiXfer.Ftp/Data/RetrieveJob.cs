using System.Buffers;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;
using MultiXfer.Limits;
using MultiXfer.Transport.Data;

namespace MultiXfer.Ftp.Data;

/// <summary>
/// RETR: sends a file from <paramref name="offset"/> up to <paramref name="length"/> (the file's size, or a RANG's end).
/// Binary over a plain socket uses sendfile(2); otherwise a copy loop.
/// </summary>
internal sealed class RetrieveJob(IFileHandle file, long offset, long length, bool ascii) : ITransferJob
{
    private const int BufferSize = 256 * 1024;

    public string Opening =>
        $"Opening {(ascii ? "ASCII" : "BINARY")} mode data connection for {file.Path.Name} ({Math.Max(0, length - offset)} bytes).";

    public bool SendsData => true;

    public IFileHandle? File => file;

    public async Task<FtpReply> RunAsync(DataConnection data, Transfer transfer)
    {
        // A download rate switches from sendfile(2) to a paced copy: sendfile sends slices too large to pace finely.
        bool paced = transfer.Limits?.Paces(TransferDirection.Download) == true;
        if (!ascii && !paced && data.IsPlain && file.OsHandle is { } handle)
        {
            long sent = await data.SendFileAsync(handle, offset, length - offset, transfer.Progress, transfer.Token);
            if (sent < length - offset)
            {
                return new FtpReply(451, "Transfer incomplete: the file shrank while it was being sent.");
            }
        }
        else
        {
            await CopyAsync(data.Stream, transfer);
        }

        return Replies.TransferComplete;
    }

    private async Task CopyAsync(Stream destination, Transfer transfer)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        byte[]? converted = ascii ? ArrayPool<byte>.Shared.Rent(BufferSize * 2) : null;
        try
        {
            bool lastWasCr = false;
            long position = offset;
            while (position < length)
            {
                int step = (int)Math.Min(length - position, transfer.StepFor(TransferDirection.Download, BufferSize));
                int n = await file.ReadAsync(position, buffer.AsMemory(0, step), transfer.Token);
                if (n == 0)
                {
                    break;
                }

                position += n;
                await transfer.PaceAsync(TransferDirection.Download, n);
                if (converted is null)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, n), transfer.Token);
                }
                else
                {
                    int m = AsciiConverter.ToNetwork(buffer.AsSpan(0, n), converted, ref lastWasCr);
                    await destination.WriteAsync(converted.AsMemory(0, m), transfer.Token);
                }

                transfer.Progress(n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (converted is not null)
            {
                ArrayPool<byte>.Shared.Return(converted);
            }
        }
    }

    public ValueTask DisposeAsync() => file.DisposeAsync();
}
