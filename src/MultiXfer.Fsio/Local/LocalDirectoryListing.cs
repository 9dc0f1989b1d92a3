using System.Buffers;
using System.Text;

namespace MultiXfer.Fsio.Local;

/// <summary>
/// Streams a directory with getdents64(2) through a fixed buffer, stat'ing entries relative to the directory's
/// descriptor, so a directory of any size costs the same memory. Errors surface at the first MoveNextAsync.
/// </summary>
internal sealed unsafe class LocalDirectoryListing(LocalFileSystem fileSystem, VirtualPath path, CancellationToken cancellationToken)
    : IAsyncEnumerable<FsEntry>, IAsyncEnumerator<FsEntry>
{
    private const int BufferSize = 32 * 1024;

    private int _fd = -1;
    private byte[]? _buffer;
    private int _filled;
    private int _position;
    private bool _finished;

    public FsEntry Current { get; private set; }

    private CancellationToken _enumerationToken;

    public IAsyncEnumerator<FsEntry> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        _enumerationToken = cancellationToken;
        return this;
    }

    public ValueTask<bool> MoveNextAsync()
    {
        cancellationToken.ThrowIfCancellationRequested();
        _enumerationToken.ThrowIfCancellationRequested();
        if (_finished)
        {
            return ValueTask.FromResult(false);
        }

        if (_fd < 0)
        {
            _fd = fileSystem.OpenDirectoryForListing(path);
            _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        }

        while (true)
        {
            if (_position >= _filled && !Refill())
            {
                _finished = true;
                return ValueTask.FromResult(false);
            }

            var record = _buffer.AsSpan(_position, _filled - _position);
            int recordLength = BitConverter.ToUInt16(record[16..]);
            _position += recordLength;
            var nameBytes = record[19..recordLength];
            nameBytes = nameBytes[..nameBytes.IndexOf((byte)0)];
            if (nameBytes.SequenceEqual("."u8) || nameBytes.SequenceEqual(".."u8))
            {
                continue;
            }

            // Paths are UTF-8 strings from here on: a name that is not UTF-8 could be shown but never named back,
            // so it is left out of every listing rather than shown unreachable.
            if (!System.Text.Unicode.Utf8.IsValid(nameBytes))
            {
                continue;
            }

            string name = Encoding.UTF8.GetString(nameBytes);
            if (Statx.TryGet(_fd, name) is { } status)
            {
                Current = new FsEntry(name, status);
                return ValueTask.FromResult(true);
            }
        }
    }

    private bool Refill()
    {
        fixed (byte* p = _buffer)
        {
            nint n = LinuxNative.GetDents64(_fd, p, BufferSize);
            if (n < 0)
            {
                throw Errno.Exception(LinuxNative.LastError, "readdir", path);
            }

            _filled = (int)n;
            _position = 0;
            return n > 0;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_fd >= 0)
        {
            LinuxNative.Close(_fd);
            _fd = -1;
        }

        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _finished = true;
        return ValueTask.CompletedTask;
    }
}
