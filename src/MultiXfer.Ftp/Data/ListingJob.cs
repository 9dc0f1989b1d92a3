using MultiXfer.Fsio;
using System.Buffers;
using System.Text;
using MultiXfer.Ftp.Control;
using MultiXfer.Transport.Data;

namespace MultiXfer.Ftp.Data;

/// <summary>Sends a listing line by line (CRLF-terminated) through a fixed buffer, as entries stream from storage.</summary>
internal sealed class ListingJob(string opening, Func<Func<string, ValueTask>, CancellationToken, Task> produce) : ITransferJob
{
    private const int BufferSize = 32 * 1024;

    public string Opening => opening;

    public bool SendsData => true;

    public IFileHandle? File => null;

    public async Task<FtpReply> RunAsync(DataConnection data, Transfer transfer)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        int used = 0;
        try
        {
            async ValueTask EmitAsync(string line)
            {
                int needed = Encoding.UTF8.GetByteCount(line) + 2;
                if (used + needed > BufferSize)
                {
                    await FlushAsync();
                }

                if (needed > BufferSize)
                {
                    return; // A line longer than the buffer cannot come from a valid name; skip it.
                }

                used += Encoding.UTF8.GetBytes(line, buffer.AsSpan(used));
                buffer[used++] = (byte)'\r';
                buffer[used++] = (byte)'\n';
            }

            async ValueTask FlushAsync()
            {
                await data.Stream.WriteAsync(buffer.AsMemory(0, used), transfer.Token);
                transfer.Progress(used);
                used = 0;
            }

            await produce(EmitAsync, transfer.Token);
            await FlushAsync();
            return Replies.TransferComplete;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
