using System.Buffers;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Transport;

/// <summary>
/// Reads the binary packet protocol (RFC 4253 §6) from the connection: one buffer, filled in large reads, packets
/// authenticated and decrypted in place. The length a peer claims is checked against the limit and the cipher's
/// alignment before the buffer grows for it.
/// </summary>
internal sealed class PacketReader : IDisposable
{
    private const int InitialBufferSize = 40 * 1024;

    /// <summary>Room for the largest packet plus its length field and the longest tag.</summary>
    private const int MaxBufferSize = 4 + WireLimits.MaxPacketLength + 64;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _consumedThrough;
    private PacketCipher _cipher = NoneCipher.Instance;
    private PayloadDecompressor? _decompressor;

    public PacketReader(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    /// <summary>The sequence number of the next packet (RFC 4253 §6.4), reset by strict key exchange.</summary>
    public uint Sequence { get; private set; }

    /// <summary>Bytes and packets received under the current keys, for rekeying by volume.</summary>
    public long BytesSinceKeyChange { get; private set; }

    public long PacketsSinceKeyChange { get; private set; }

    /// <summary>Packets received since the connection began: strict KEX requires the first to be KEXINIT.</summary>
    public long TotalPackets { get; private set; }

    public void ChangeCipher(PacketCipher cipher, bool resetSequence)
    {
        if (!ReferenceEquals(_cipher, NoneCipher.Instance))
        {
            _cipher.Dispose();
        }

        _cipher = cipher;
        BytesSinceKeyChange = 0;
        PacketsSinceKeyChange = 0;
        if (_decompressor is not null)
        {
            // RFC 4253 §6.2: the peer's compression context restarts with its new keys.
            _decompressor.Dispose();
            _decompressor = new PayloadDecompressor();
        }

        if (resetSequence)
        {
            Sequence = 0;
        }
    }

    public void EnableDecompression() => _decompressor ??= new PayloadDecompressor();

    /// <summary>
    /// Reads the peer's identification line (RFC 4253 §4.2): at most <paramref name="maxLength"/> bytes up to LF,
    /// without the line end. Whatever follows it in the same read stays buffered for the first packet.
    /// </summary>
    public async ValueTask<byte[]> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Only the first maxLength bytes may hold the line end: a longer line that arrived in one read is as
            // much too long as one that arrives slowly.
            int newline = _buffer.AsSpan(_start, Math.Min(_end - _start, maxLength)).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = _buffer.AsSpan(_start, newline);
                _start += newline + 1;
                _consumedThrough = _start;
                return (line.EndsWith("\r"u8) ? line[..^1] : line).ToArray();
            }

            if (_end - _start >= maxLength)
            {
                throw new SshProtocolException(DisconnectReason.ProtocolError, $"identification line longer than {maxLength} bytes");
            }

            await FillAsync(_end - _start + 1, cancellationToken);
        }
    }

    /// <summary>
    /// The payload of the next packet, valid until the next call. Decompressed when compression is on.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadPayloadAsync(CancellationToken cancellationToken)
    {
        _start = _consumedThrough;
        if (_start == _end)
        {
            await WaitWithoutBufferAsync(cancellationToken);
        }

        int prefix = _cipher.LengthPrefixBytes;
        await FillAsync(prefix, cancellationToken);
        uint length = _cipher.ReadLength(Sequence, _buffer.AsSpan(_start, prefix));
        CheckLength(length);

        int total = 4 + (int)length + _cipher.TagLength;
        await FillAsync(total, cancellationToken);
        var packet = _buffer.AsSpan(_start, 4 + (int)length);
        if (!_cipher.Open(Sequence, packet, _buffer.AsSpan(_start + 4 + (int)length, _cipher.TagLength)))
        {
            throw new SshProtocolException(DisconnectReason.MacError, "message authentication code incorrect");
        }

        int padding = packet[4];
        int payloadLength = (int)length - padding - 1;
        if (padding < 4 || payloadLength < 1)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"padding length {padding} does not fit packet length {length} (RFC 4253 §6: at least 4, leaving a payload)");
        }

        _consumedThrough = _start + total;
        Sequence++;
        PacketsSinceKeyChange++;
        TotalPackets++;
        BytesSinceKeyChange += total;
        var payload = _buffer.AsMemory(_start + 5, payloadLength);
        return _decompressor is null ? payload : _decompressor.Decompress(payload.Span);
    }

    /// <summary>
    /// Nothing is buffered: when nothing has arrived either, the buffer goes back to the pool until the peer sends,
    /// so an idle connection holds none (10,000 idle sessions would otherwise pin 64 KiB each). A zero-byte read
    /// waits for data without taking any; when it completes at once (a busy connection), the buffer stays.
    /// </summary>
    private async ValueTask WaitWithoutBufferAsync(CancellationToken cancellationToken)
    {
        _start = _end = _consumedThrough = 0;
#pragma warning disable CA2022 // The zero-byte read is the point: it only waits.
        var arrival = _stream.ReadAsync(Memory<byte>.Empty, cancellationToken);
#pragma warning restore CA2022
        if (arrival.IsCompleted)
        {
            await arrival;
            return;
        }

        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        await arrival;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    public void Dispose()
    {
        _cipher.Dispose();
        _decompressor?.Dispose();
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    /// <summary>
    /// RFC 4253 §6: the packet fits the limit, holds at least padding_length, a message number and 4 bytes of
    /// padding, and the padded region is a multiple of the block size.
    /// </summary>
    private void CheckLength(uint length)
    {
        if (length > WireLimits.MaxPacketLength)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"packet length {length} exceeds the limit of {WireLimits.MaxPacketLength} bytes");
        }

        if (length < 6)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"packet length {length} below the minimum");
        }

        long aligned = _cipher.AlignmentExcludesLength ? length : length + 4;
        if (aligned % _cipher.BlockSize != 0 || (!_cipher.AlignmentExcludesLength && aligned < 16))
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"packet length {length} is not a multiple of the cipher block size {_cipher.BlockSize}");
        }
    }

    /// <summary>Ensures <paramref name="count"/> bytes are buffered from <see cref="_start"/>, compacting or growing as needed.</summary>
    private async ValueTask FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return;
        }

        if (_start + count > _buffer.Length)
        {
            var target = count > _buffer.Length ? ArrayPool<byte>.Shared.Rent(Math.Min(MaxBufferSize, Math.Max(count, _buffer.Length * 2))) : _buffer;
            _buffer.AsSpan(_start, _end - _start).CopyTo(target);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }

            _end -= _start;
            _consumedThrough -= _start;
            _start = 0;
        }

        while (_end - _start < count)
        {
            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("the peer closed the connection");
            }

            _end += read;
        }
    }
}
