using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Threading.Channels;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Transport;

/// <summary>
/// Sends packets from one queue on its own task, so the loop that reads from the peer never waits for the peer
/// to read (two peers both writing would otherwise deadlock). Key exchange ordering lives here too: once our
/// KEXINIT is out, everything but key exchange and generic transport messages waits until NEWKEYS has been
/// sent and the new keys are in place (RFC 4253 §7.1).
/// </summary>
internal sealed class PacketWriter : IDisposable
{
    /// <summary>Producers with backpressure wait while more than this many payload bytes are queued.</summary>
    private const long HighWater = 512 * 1024;
    private const int BatchSize = 64 * 1024;

    /// <summary>
    /// What a queued packet costs beyond its payload (pooled buffer rounding, queue slot), so that a flood of tiny
    /// replies counts for what it occupies.
    /// </summary>
    private const int PacketOverhead = 64;

    private readonly Stream _stream;
    private readonly Channel<OutgoingItem> _queue = Channel.CreateUnbounded<OutgoingItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<OutgoingPacket> _heldDuringKeyExchange = new();
    private readonly Lock _backpressureLock = new();
    private TaskCompletionSource _drained = CompletedSignal();
    private long _queuedBytes;
    private PacketCipher _cipher = NoneCipher.Instance;
    private PayloadCompressor? _compressor;
    private volatile bool _keyExchangeInProgress;
    private byte[] _batch = [];
    private int _batchLength;

    public PacketWriter(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>Called on the writer task after each flush, so the transport can start a rekey when one is due.</summary>
    public Action? AfterFlush { get; set; }

    public uint Sequence { get; private set; }

    /// <summary>True from sending our KEXINIT until our NEWKEYS is out.</summary>
    public bool KeyExchangeInProgress => _keyExchangeInProgress;

    public long BytesSinceKeyChange { get; private set; }

    public long PacketsSinceKeyChange { get; private set; }

    /// <summary>Payload bytes (plus a per-packet overhead) queued and not yet written to the connection.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Queues a packet without waiting: for replies sent from the read loop.</summary>
    public void Post(OutgoingPacket packet) => Enqueue(new OutgoingItem(packet, null, enableCompression: false));

    /// <summary>Queues a packet and waits while the queue is over its limit: for bulk channel data.</summary>
    public async ValueTask SendAsync(OutgoingPacket packet, CancellationToken cancellationToken)
    {
        Enqueue(new OutgoingItem(packet, null, enableCompression: false));
        if (Interlocked.Read(ref _queuedBytes) <= HighWater)
        {
            return; // the common case, per packet: no lock (under the lock the same test decides again)
        }

        Task wait;
        lock (_backpressureLock)
        {
            if (Interlocked.Read(ref _queuedBytes) <= HighWater)
            {
                return;
            }

            if (_drained.Task.IsCompleted)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            wait = _drained.Task;
        }

        await wait.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Queues NEWKEYS; right after sending it the writer switches to <paramref name="cipher"/>, sends
    /// <paramref name="followUp"/> first under the new keys (EXT_INFO must be the next packet, RFC 8308 §2.4), then
    /// releases what waited during the exchange.
    /// </summary>
    public void PostKeyChange(OutgoingPacket newKeys, PacketCipher cipher, bool resetSequence, OutgoingPacket? followUp)
    {
        Interlocked.Add(ref _queuedBytes, followUp is { } f ? f.PayloadLength + PacketOverhead : 0);
        Enqueue(new OutgoingItem(newKeys, new KeyChange(cipher, resetSequence, followUp), enableCompression: false));
    }

    /// <summary>Queues a packet after which outgoing payloads are compressed (zlib@openssh.com starts after USERAUTH_SUCCESS).</summary>
    public void PostThenCompress(OutgoingPacket packet) => Enqueue(new OutgoingItem(packet, null, enableCompression: true));

    /// <summary>No more packets: the writer sends what is queued and finishes.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (reader.TryRead(out var item))
                {
                    await ProcessAsync(item, cancellationToken);
                }

                await FlushAsync(cancellationToken);
                ReleaseBatch();
                AfterFlush?.Invoke();
            }
        }
        finally
        {
            ReleaseBatch();
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var item))
        {
            item.Packet.Release();
            item.KeyChange?.Cipher.Dispose();
            item.KeyChange?.FollowUp?.Release();
        }

        while (_heldDuringKeyExchange.TryDequeue(out var held))
        {
            held.Release();
        }

        _cipher.Dispose();
        _compressor?.Dispose();
        ReleaseBatch();
    }

    private void Enqueue(OutgoingItem item)
    {
        Interlocked.Add(ref _queuedBytes, item.Packet.PayloadLength + PacketOverhead);
        if (!_queue.Writer.TryWrite(item))
        {
            // The connection is closing; nothing more goes out.
            item.Packet.Release();
            item.KeyChange?.Cipher.Dispose();
            item.KeyChange?.FollowUp?.Release();
        }
    }

    private async ValueTask ProcessAsync(OutgoingItem item, CancellationToken cancellationToken)
    {
        var packet = item.Packet;
        if (_keyExchangeInProgress && !MayPassDuringKeyExchange(packet.MessageNumber))
        {
            _heldDuringKeyExchange.Enqueue(packet);
            return;
        }

        if (packet.MessageNumber == MessageNumbers.KexInit)
        {
            _keyExchangeInProgress = true;
        }

        await WritePacketAsync(packet, cancellationToken);
        if (item.EnableCompression)
        {
            _compressor ??= new PayloadCompressor();
        }

        if (item.KeyChange is { } change)
        {
            ReplaceCipher(change.Cipher);
            if (_compressor is not null)
            {
                // RFC 4253 §6.2: the compression context is initialized after each key exchange (OpenSSH, paramiko and
                // PuTTY restart their zlib streams at every NEWKEYS), so packets under the new keys start a new stream.
                _compressor.Dispose();
                _compressor = new PayloadCompressor();
            }

            if (change.ResetSequence)
            {
                Sequence = 0;
            }

            _keyExchangeInProgress = false;
            if (change.FollowUp is { } followUp)
            {
                await WritePacketAsync(followUp, cancellationToken);
            }

            while (_heldDuringKeyExchange.TryDequeue(out var held))
            {
                await WritePacketAsync(held, cancellationToken);
            }
        }
    }

    /// <summary>RFC 4253 §7.1: during key exchange only generic transport messages (not service messages) and key exchange messages.</summary>
    private static bool MayPassDuringKeyExchange(byte number) =>
        MessageNumbers.IsTransportGeneric(number) || MessageNumbers.IsKeyExchange(number);

    private void ReplaceCipher(PacketCipher cipher)
    {
        if (!ReferenceEquals(_cipher, NoneCipher.Instance))
        {
            _cipher.Dispose();
        }

        _cipher = cipher;
        BytesSinceKeyChange = 0;
        PacketsSinceKeyChange = 0;
    }

    /// <summary>Frames (RFC 4253 §6), protects and appends one packet to the batch, flushing first when it would not fit.</summary>
    private async ValueTask WritePacketAsync(OutgoingPacket packet, CancellationToken cancellationToken)
    {
        try
        {
            int subtracted = packet.PayloadLength + PacketOverhead;
            var payload = _compressor is null ? packet.Buffer.AsMemory(OutgoingPacket.PayloadOffset, packet.PayloadLength) : _compressor.Compress(packet.Payload);
            int blockSize = _cipher.BlockSize;
            int aligned = (_cipher.AlignmentExcludesLength ? 1 : 5) + payload.Length;
            int padding = blockSize - (aligned % blockSize);
            if (padding < 4)
            {
                padding += blockSize;
            }

            int packetLength = 1 + payload.Length + padding;
            int total = 4 + packetLength + _cipher.TagLength;
            if (_batchLength + total > _batch.Length)
            {
                await FlushAsync(cancellationToken);
                EnsureBatch(total);
            }

            var frame = _batch.AsSpan(_batchLength, total);
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)packetLength);
            frame[4] = (byte)padding;
            payload.Span.CopyTo(frame[5..]);
            RandomNumberGenerator.Fill(frame.Slice(5 + payload.Length, padding));
            _cipher.Seal(Sequence, frame[..(4 + packetLength)], frame[(4 + packetLength)..]);
            _batchLength += total;
            Sequence++;
            PacketsSinceKeyChange++;
            BytesSinceKeyChange += total;
            ReleaseBackpressure(subtracted);
        }
        finally
        {
            packet.Release();
        }
    }

    private void ReleaseBackpressure(int payloadBytes)
    {
        if (Interlocked.Add(ref _queuedBytes, -payloadBytes) > HighWater / 2)
        {
            return;
        }

        lock (_backpressureLock)
        {
            _drained.TrySetResult();
        }
    }

    private void EnsureBatch(int atLeast)
    {
        if (_batch.Length >= atLeast)
        {
            return;
        }

        ReleaseBatch();
        _batch = ArrayPool<byte>.Shared.Rent(Math.Max(BatchSize, atLeast));
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_batchLength == 0)
        {
            return;
        }

        await _stream.WriteAsync(_batch.AsMemory(0, _batchLength), cancellationToken);
        _batchLength = 0;
    }

    /// <summary>Idle connections hold no send buffer.</summary>
    private void ReleaseBatch()
    {
        if (_batch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_batch);
            _batch = [];
        }

        _batchLength = 0;
    }

    private static TaskCompletionSource CompletedSignal()
    {
        var signal = new TaskCompletionSource();
        signal.SetResult();
        return signal;
    }

    private sealed record KeyChange(PacketCipher Cipher, bool ResetSequence, OutgoingPacket? FollowUp);

    private readonly struct OutgoingItem(OutgoingPacket packet, KeyChange? keyChange, bool enableCompression)
    {
        public OutgoingPacket Packet { get; } = packet;

        public KeyChange? KeyChange { get; } = keyChange;

        public bool EnableCompression { get; } = enableCompression;
    }
}
