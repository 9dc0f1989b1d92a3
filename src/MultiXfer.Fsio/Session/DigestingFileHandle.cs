using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace MultiXfer.Fsio.Session;

/// <summary>
/// Hashes the bytes of a transfer as they are read or written, for the audit log's SHA-256 of a completed upload or
/// download. A transfer moves a file front to back, so the hash is kept only while offsets follow on from 0; the
/// first read or write elsewhere drops it. It hides the OS handle: bytes sent by sendfile would pass unhashed.
/// </summary>
internal sealed class DigestingFileHandle(IFileHandle inner) : IFileHandle, IFileDigest
{
    private IncrementalHash? _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _next;
    private string? _final;

    public VirtualPath Path => inner.Path;

    public FileAccessMode Access => inner.Access;

    public SafeFileHandle? OsHandle => null;

    public string? Sha256
    {
        get
        {
            if (_final is null && _hash is not null)
            {
                _final = Convert.ToHexStringLower(_hash.GetHashAndReset());
                _hash.Dispose();
                _hash = null;
            }

            return _final;
        }
    }

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read = await inner.ReadAsync(offset, buffer, cancellationToken);
        Append(offset, buffer.Span[..read]);
        return read;
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(offset, data, cancellationToken);
        Append(offset, data.Span);
    }

    public ValueTask<FileStatus> GetStatusAsync(CancellationToken cancellationToken) => inner.GetStatusAsync(cancellationToken);

    public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken) => inner.SetLengthAsync(length, cancellationToken);

    public ValueTask SetTimesAsync(DateTime? accessedUtc, DateTime? modifiedUtc, CancellationToken cancellationToken) =>
        inner.SetTimesAsync(accessedUtc, modifiedUtc, cancellationToken);

    public ValueTask SetPermissionsAsync(int permissions, CancellationToken cancellationToken) => inner.SetPermissionsAsync(permissions, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public ValueTask CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

    /// <summary>Closes the file; the digest stays readable (protocols report a transfer after closing its file).</summary>
    public ValueTask DisposeAsync()
    {
        _ = Sha256;
        return inner.DisposeAsync();
    }

    private void Append(long offset, ReadOnlySpan<byte> bytes)
    {
        if (_hash is null || bytes.IsEmpty)
        {
            return;
        }

        if (offset != _next)
        {
            // Out of order (a resume, a re-read, random access): no digest of the whole can be had.
            _hash.Dispose();
            _hash = null;
            _final = null;
            return;
        }

        _hash.AppendData(bytes);
        _next += bytes.Length;
    }
}
