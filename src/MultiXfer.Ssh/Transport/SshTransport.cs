using System.Text;
using Microsoft.Extensions.Logging;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Transport;

/// <summary>
/// The SSH transport layer of one connection (RFC 4253): identification, key exchange and rekeying, and the
/// generic messages. Upper layers see a stream of their own messages through <see cref="ReceiveAsync"/> and send
/// through <see cref="Post"/> or <see cref="SendAsync"/>.
/// </summary>
internal sealed partial class SshTransport : IDisposable
{
    /// <summary>RFC 4253 §4.2: the identification line is at most 255 characters including CR LF.</summary>
    private const int MaxIdentificationLength = 255;

    /// <summary>
    /// Replies are queued without waiting; a peer that keeps asking for them (unknown messages, "none" attempts,
    /// global requests) but never reads would otherwise grow the queue without limit. Channel data waits at the
    /// writer's high-water mark, so a reading peer never comes near this.
    /// </summary>
    private const long MaxUnsentBytes = 8 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly PacketReader _reader;
    private readonly PacketWriter _writer;
    private readonly SshOptions _options;
    private readonly AlgorithmPolicy _policy;
    private readonly HostKeySet _hostKeys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SshMetrics? _metrics;
    private Task _writerTask = Task.CompletedTask;
    private bool _writerStarted;

    /// <param name="metrics">Where key exchanges and disconnects are counted; null: nowhere.</param>
    public SshTransport(Stream stream, SshOptions options, AlgorithmPolicy policy, HostKeySet hostKeys, TimeProvider time, ILogger logger,
        SshMetrics? metrics = null)
    {
        _metrics = metrics;
        _stream = stream;
        _reader = new PacketReader(stream);
        _writer = new PacketWriter(stream) { AfterFlush = RekeyIfDue };
        _options = options;
        _policy = policy;
        _hostKeys = hostKeys;
        _time = time;
        _logger = logger;
        _lastKeyChange = time.GetTimestamp();
    }

    public static byte[] ServerIdentification { get; } = "SSH-2.0-MultiXfer"u8.ToArray();

    public byte[] ClientIdentification { get; private set; } = [];

    /// <summary>H of the first key exchange (RFC 4253 §7.2); user authentication signatures cover it.</summary>
    public byte[] SessionId { get; private set; } = [];

    /// <summary>The writer task: it ends when the connection can no longer send.</summary>
    public Task WriterCompletion => _writerTask;

    /// <summary>
    /// RFC 4253 §4.2: sends our identification and reads the client's, which must be SSH-2.0 (or SSH-1.99, a server
    /// that also speaks 2.0). Lines before it are not allowed from a client.
    /// </summary>
    public async Task ExchangeIdentificationAsync(CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(ServerIdentification.Concat("\r\n"u8.ToArray()).ToArray(), cancellationToken);
        byte[] line = await _reader.ReadLineAsync(MaxIdentificationLength, cancellationToken);
        bool valid = (line.AsSpan().StartsWith("SSH-2.0-"u8) || line.AsSpan().StartsWith("SSH-1.99-"u8))
            && line.Length > 8 && !line.Any(b => b is < 0x20 or > 0x7e);
        if (!valid)
        {
            await _stream.WriteAsync("Invalid SSH identification string.\r\n"u8.ToArray(), cancellationToken);
            throw new SshProtocolException(DisconnectReason.ProtocolVersionNotSupported,
                $"client identification is not SSH 2.0: {LogText(line)}");
        }

        ClientIdentification = line;
        LogClientVersion(LogText(line));
    }

    /// <summary>Starts sending (our KEXINIT first, RFC 4253 §7.1) once identification is done.</summary>
    public void Start(CancellationToken cancellationToken)
    {
        _writerStarted = true;
        _writerTask = Task.Run(() => _writer.RunAsync(cancellationToken), CancellationToken.None);
        StartKeyExchange();
    }

    /// <summary>
    /// The next message for the layers above the transport. Key exchanges (either side's), IGNORE, DEBUG,
    /// UNIMPLEMENTED and ping are handled here; DISCONNECT ends the connection.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_writer.QueuedBytes > MaxUnsentBytes)
            {
                throw new SshProtocolException(DisconnectReason.ByApplication, "the client does not read what it asks for");
            }

            uint sequence = _reader.Sequence;
            var payload = await _reader.ReadPayloadAsync(cancellationToken);
            byte number = payload.Span[0];
            switch (number)
            {
                case MessageNumbers.KexInit:
                    await RunKeyExchangeAsync(payload, cancellationToken);
                    continue;
                case MessageNumbers.Disconnect:
                    throw ReadDisconnect(payload.Span);
                case MessageNumbers.Ignore or MessageNumbers.Debug or MessageNumbers.Unimplemented:
                    RequireKeysFor(number);
                    continue;
                case MessageNumbers.NewKeys or (>= 30 and <= 49):
                    throw new SshProtocolException(DisconnectReason.ProtocolError, $"key exchange message {number} outside a key exchange");
                case MessageNumbers.Ping:
                    RequireKeysFor(number);
                    AnswerPing(payload.Span);
                    continue;
                case MessageNumbers.ExtInfo:
                    // We do not offer ext-info-s, so a client has nothing to tell us (RFC 8308 §2.2); ignored.
                    RequireKeysFor(number);
                    continue;
            }

            RequireKeysFor(number);
            RekeyIfDue();
            _lastReceivedSequence = sequence;
            return payload;
        }
    }

    /// <summary>The sequence number of the last message returned by <see cref="ReceiveAsync"/>, for SSH_MSG_UNIMPLEMENTED.</summary>
    private uint _lastReceivedSequence;

    /// <summary>Queues a message without waiting (replies from the read loop).</summary>
    public void Post(OutgoingPacket packet) => _writer.Post(packet);

    /// <summary>Queues a message, waiting while the send queue is full (bulk data).</summary>
    public ValueTask SendAsync(OutgoingPacket packet, CancellationToken cancellationToken) => _writer.SendAsync(packet, cancellationToken);

    /// <summary>The next outgoing packets are compressed if zlib@openssh.com was negotiated (after USERAUTH_SUCCESS).</summary>
    public void PostThenStartDelayedCompression(OutgoingPacket packet)
    {
        bool compressOut = _compressionOut == SshAlgorithms.DelayedZlib;
        if (compressOut)
        {
            _writer.PostThenCompress(packet);
        }
        else
        {
            _writer.Post(packet);
        }

        if (_compressionIn == SshAlgorithms.DelayedZlib)
        {
            _reader.EnableDecompression();
        }
    }

    /// <summary>RFC 4253 §11.4: the reply to a message number this server does not implement.</summary>
    public void PostUnimplemented()
    {
        using var message = SshWriter.ForPayload(MessageNumbers.Unimplemented, 8);
        message.WriteUInt32(_lastReceivedSequence);
        Post(message.ToPacket());
    }

    /// <summary>
    /// RFC 4253 §11.1: sends SSH_MSG_DISCONNECT and lets the writer flush for a short while; the caller closes the
    /// connection afterwards.
    /// </summary>
    public async Task DisconnectAsync(DisconnectReason reason, string description)
    {
        if (ClientIdentification.Length == 0)
        {
            // No SSH peer yet (no or a bad identification line): nothing it could parse can be sent.
            return;
        }

        if (_writerTask.IsCompleted && !_writerStarted)
        {
            _writerStarted = true;
            _writerTask = Task.Run(() => _writer.RunAsync(CancellationToken.None), CancellationToken.None);
        }

        _metrics?.Disconnected(reason);
        using (var message = SshWriter.ForPayload(MessageNumbers.Disconnect, 64 + description.Length))
        {
            message.WriteUInt32((uint)reason);
            message.WriteString(description);
            message.WriteString("");
            _writer.Post(message.ToPacket());
        }

        _writer.Complete();
        try
        {
            await _writerTask.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is TimeoutException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone or not reading; the connection closes regardless.
        }
    }

    /// <summary>Waits (briefly) for the writer task to end, whatever ended it, before the transport is disposed.</summary>
    public async Task WaitForWriterAsync()
    {
        _writer.Complete();
        try
        {
            await _writerTask.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or IOException or OperationCanceledException or ObjectDisposedException
            or System.Net.Sockets.SocketException)
        {
            // Ended by the closed connection, as intended.
        }
    }

    public void Dispose()
    {
        _writer.Dispose();
        _reader.Dispose();
    }

    private static PeerDisconnectedException ReadDisconnect(ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload[1..]);
        var reason = (DisconnectReason)reader.ReadUInt32();
        // The description is only logged: whatever its bytes or length, a leaving peer is not a protocol error.
        var description = reader.IsAtEnd ? ReadOnlySpan<byte>.Empty : reader.ReadString();
        return new PeerDisconnectedException(reason, LogText(description[..Math.Min(description.Length, 1024)].ToArray()));
    }

    /// <summary>OpenSSH PROTOCOL §1.9: PING carries up to a few bytes of data, returned in PONG.</summary>
    private void AnswerPing(ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload[1..]);
        var data = reader.ReadString(256, "ping data");
        using var pong = SshWriter.ForPayload(MessageNumbers.Pong, data.Length + 8);
        pong.WriteString(data);
        Post(pong.ToPacket());
    }

    private static string LogText(byte[] raw) =>
        MultiXfer.Connections.LogText.Clean(Encoding.ASCII.GetString(raw.Select(b => b is >= 0x20 and < 0x7f ? b : (byte)'?').ToArray()));

    [LoggerMessage(Level = LogLevel.Debug, Message = "client identification {Identification}")]
    private partial void LogClientVersion(string identification);
}
