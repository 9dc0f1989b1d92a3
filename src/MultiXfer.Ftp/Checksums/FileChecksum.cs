using System.Buffers;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Data;

namespace MultiXfer.Ftp.Checksums;

/// <summary>Digests a byte range of an open file, in large reads, counting progress so STAT and the stall watchdog see it.</summary>
internal static class FileChecksum
{
    /// <summary>1 MiB reads: few enough system calls that the digest, not the reads, sets the pace.</summary>
    private const int ChunkSize = 1024 * 1024;

    /// <summary>The digest of [<paramref name="start"/>, <paramref name="end"/>); null when the file shrank meanwhile.</summary>
    public static async Task<byte[]?> ComputeAsync(IFileHandle file, ChecksumAlgorithm algorithm, long start, long end, Transfer transfer)
    {
        using var checksum = ChecksumAlgorithms.Create(algorithm);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long position = start;
            while (position < end)
            {
                // Reads of cached data complete without looking at the token: ABOR and the session's end are seen here.
                transfer.Token.ThrowIfCancellationRequested();
                int n = await file.ReadAsync(position, buffer.AsMemory(0, (int)Math.Min(ChunkSize, end - position)), transfer.Token);
                if (n == 0)
                {
                    return null;
                }

                checksum.Append(buffer.AsSpan(0, n));
                position += n;
                transfer.Progress(n);
            }

            return checksum.Finish();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
