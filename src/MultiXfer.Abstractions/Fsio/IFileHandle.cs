using Microsoft.Win32.SafeHandles;

namespace MultiXfer.Fsio;

/// <summary>
/// An open file with random access by offset (SFTP needs it; FTP streams wrap it). Disposing without
/// <see cref="CommitAsync"/> abandons a crash-safe upload: the target keeps its old content or stays absent.
/// </summary>
public interface IFileHandle : IAsyncDisposable
{
    VirtualPath Path { get; }

    FileAccessMode Access { get; }

    /// <summary>Reads at <paramref name="offset"/>; returns 0 at end of file.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/> (at the end for append handles).</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    ValueTask<FileStatus> GetStatusAsync(CancellationToken cancellationToken);

    ValueTask SetLengthAsync(long length, CancellationToken cancellationToken);

    ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken);

    ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken);

    /// <summary>Makes written data durable (fsync).</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Declares the write complete: a crash-safe upload replaces its target now. For other handles it only
    /// closes cleanly. Call once, then dispose.
    /// </summary>
    ValueTask CommitAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The operating-system handle when the storage is a local file, so that a transport can send it with
    /// sendfile(2); null otherwise.
    /// </summary>
    SafeFileHandle? OsHandle { get; }
}
