using System.IO.Compression;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Transport;

/// <summary>
/// zlib@openssh.com outgoing (OpenSSH PROTOCOL §1.2, RFC 4253 §6.2): one zlib stream per key exchange period (the
/// context restarts with every NEWKEYS), flushed at the end of every payload so each packet decompresses on arrival.
/// </summary>
internal sealed class PayloadCompressor : IDisposable
{
    private readonly MemoryStream _output = new();
    private readonly ZLibStream _zlib;

    public PayloadCompressor()
    {
        _zlib = new ZLibStream(_output, CompressionLevel.Fastest, leaveOpen: true);
    }

    /// <summary>The compressed payload, valid until the next call.</summary>
    public ReadOnlyMemory<byte> Compress(ReadOnlySpan<byte> payload)
    {
        _output.SetLength(0);
        _zlib.Write(payload);
        _zlib.Flush();
        return _output.GetBuffer().AsMemory(0, (int)_output.Length);
    }

    public void Dispose()
    {
        _zlib.Dispose();
        _output.Dispose();
    }
}

/// <summary>
/// zlib@openssh.com incoming. A payload may not inflate beyond the packet limit, so a small packet cannot become
/// a large allocation. The output buffer grows with the largest payload seen (an interactive or idle session keeps
/// a few KiB, not the packet limit).
/// </summary>
internal sealed class PayloadDecompressor : IDisposable
{
    private const int InitialOutputSize = 4 * 1024;

    private readonly PacketFeed _feed = new();
    private readonly ZLibStream _zlib;
    private byte[] _output = new byte[InitialOutputSize];

    public PayloadDecompressor()
    {
        _zlib = new ZLibStream(_feed, CompressionMode.Decompress);
    }

    public ReadOnlyMemory<byte> Decompress(ReadOnlySpan<byte> compressed)
    {
        _feed.Set(compressed);
        int total = 0;
        try
        {
            int read;
            while ((read = _zlib.Read(_output, total, _output.Length - total)) > 0)
            {
                total += read;
                if (total == _output.Length)
                {
                    if (_output.Length == WireLimits.MaxPacketLength)
                    {
                        Span<byte> probe = stackalloc byte[1];
                        if (_zlib.Read(probe) > 0)
                        {
                            throw new SshProtocolException(DisconnectReason.CompressionError, "compressed payload inflates beyond the packet limit");
                        }

                        break;
                    }

                    Array.Resize(ref _output, Math.Min(WireLimits.MaxPacketLength, _output.Length * 2));
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // The feed is memory: an IOException here is the inflater's ZLibException for a broken deflate stream.
            throw new SshProtocolException(DisconnectReason.CompressionError, $"corrupt compressed payload: {e.Message}");
        }

        if (total == 0)
        {
            throw new SshProtocolException(DisconnectReason.CompressionError, "compressed payload is empty");
        }

        return _output.AsMemory(0, total);
    }

    public void Dispose() => _zlib.Dispose();

    /// <summary>The compressed bytes of the current packet as a stream; it reports end of data when they are used up.</summary>
    private sealed class PacketFeed : Stream
    {
        private byte[] _data = new byte[1024];
        private int _length;
        private int _position;

        /// <summary>Copies the packet's bytes into a buffer kept for the connection.</summary>
        public void Set(ReadOnlySpan<byte> data)
        {
            if (data.Length > _data.Length)
            {
                _data = new byte[Math.Max(data.Length, _data.Length * 2)];
            }

            data.CopyTo(_data);
            _length = data.Length;
            _position = 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, _length - _position);
            _data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
