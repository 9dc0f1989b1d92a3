using System.Buffers.Binary;
using System.IO.Compression;
using MultiXfer.Ssh.Crypto;

namespace MultiXfer.Fuzz.Support;

/// <summary>
/// The harness client's reading of what the server sends (RFC 4253 §4.2 identification, §6 packets, zlib@openssh.com).
/// Deliberately not the server's PacketReader: that one is instrumented for the transport targets, and the client
/// reads while the server works, so sharing it would mix the client's edges into the server's (and from another
/// thread). Only the ciphers are shared, which no session-level target instruments.
/// </summary>
internal sealed class ClientPacketReader(Stream stream) : IDisposable
{
    private const int MaxPacket = 256 * 1024 + 64;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private PacketCipher _cipher = NoneCipher.Instance;
    private uint _sequence;
    private Inflater? _inflater;

    public void ChangeCipher(PacketCipher cipher, bool resetSequence)
    {
        if (!ReferenceEquals(_cipher, NoneCipher.Instance))
        {
            _cipher.Dispose();
        }

        _cipher = cipher;
        _sequence = resetSequence ? 0 : _sequence;
        if (_inflater is not null)
        {
            _inflater.Dispose();
            _inflater = new Inflater();
        }
    }

    public void EnableDecompression() => _inflater ??= new Inflater();

    public async Task ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                _start += newline + 1;
                return;
            }

            if (_end - _start > 255)
            {
                throw new InvalidDataException("server identification too long");
            }

            await FillAsync(_end - _start + 1, cancellationToken);
        }
    }

    /// <summary>The next payload; InvalidDataException for anything the harness cannot read (then it stops).</summary>
    public async Task<byte[]> ReadPayloadAsync(CancellationToken cancellationToken)
    {
        int prefix = _cipher.LengthPrefixBytes;
        await FillAsync(prefix, cancellationToken);
        uint length = _cipher.ReadLength(_sequence, _buffer.AsSpan(_start, prefix));
        if (length is < 5 or > MaxPacket)
        {
            throw new InvalidDataException($"server packet length {length}");
        }

        int total = 4 + (int)length + _cipher.TagLength;
        await FillAsync(total, cancellationToken);
        var packet = _buffer.AsSpan(_start, 4 + (int)length);
        if (!_cipher.Open(_sequence, packet, _buffer.AsSpan(_start + 4 + (int)length, _cipher.TagLength)))
        {
            throw new InvalidDataException("server packet MAC");
        }

        int padding = packet[4];
        if (padding + 1 >= length)
        {
            throw new InvalidDataException("server packet padding");
        }

        byte[] payload = packet.Slice(5, (int)length - padding - 1).ToArray();
        _start += total;
        _sequence++;
        return _inflater is null ? payload : _inflater.Inflate(payload);
    }

    public void Dispose()
    {
        if (!ReferenceEquals(_cipher, NoneCipher.Instance))
        {
            _cipher.Dispose();
        }

        _inflater?.Dispose();
    }

    private async Task FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return;
        }

        if (_start + count > _buffer.Length)
        {
            var target = count > _buffer.Length ? new byte[Math.Max(count, _buffer.Length * 2)] : _buffer;
            _buffer.AsSpan(_start, _end - _start).CopyTo(target);
            _buffer = target;
            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count)
        {
            int read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            _end += read;
        }
    }

    /// <summary>One zlib stream per key period, each packet's bytes flushed (OpenSSH PROTOCOL §1.2).</summary>
    private sealed class Inflater : IDisposable
    {
        private readonly Feed _feed = new();
        private readonly ZLibStream _zlib;

        public Inflater() => _zlib = new ZLibStream(_feed, CompressionMode.Decompress);

        public byte[] Inflate(byte[] compressed)
        {
            _feed.Data = compressed;
            _feed.Position = 0;
            var output = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = _zlib.Read(chunk)) > 0 && output.Length <= MaxPacket)
            {
                output.Write(chunk, 0, read);
            }

            return output.ToArray();
        }

        public void Dispose() => _zlib.Dispose();

        private sealed class Feed : Stream
        {
            public byte[] Data { get; set; } = [];

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => Data.Length;

            public override long Position { get; set; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = (int)Math.Min(count, Data.Length - Position);
                Data.AsSpan((int)Position, n).CopyTo(buffer.AsSpan(offset));
                Position += n;
                return n;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
