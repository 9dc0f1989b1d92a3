using System.Buffers;
using System.Buffers.Binary;
using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Connection;

/// <summary>
/// One session channel (RFC 4254 §5-6): its two windows, its input buffer, and the end-of-channel handshake.
/// Methods named On* run on the read loop and never wait; the rest run on the application's side.
/// </summary>
internal sealed class SessionChannel : IDisposable
{
    /// <summary>The window we grant: enough for full-speed transfers over long links, as OpenSSH's 2 MiB.</summary>
    public const uint InitialWindow = 2 * 1024 * 1024;

    /// <summary>The largest data packet we accept, within RFC 4254 §5.1's range and our 256 KiB packet limit.</summary>
    public const uint MaxPacket = 128 * 1024;

    /// <summary>The most data we put in one packet, whatever larger maximum the client allows.</summary>
    private const int MaxDataPerPacket = 32 * 1024;

    private readonly SshTransport _transport;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _closed;
    private long _remoteWindow;
    private readonly uint _remoteMaxPacket;
    private long _localWindow = InitialWindow;
    private long _consumedSinceAdjust;
    private TaskCompletionSource? _windowWaiter;
    private bool _eofSent;
    private bool _closeSent;

    public SessionChannel(SshTransport transport, uint localId, uint remoteId, uint remoteWindow, uint remoteMaxPacket,
        CancellationToken connectionClosed)
    {
        _transport = transport;
        LocalId = localId;
        RemoteId = remoteId;
        _remoteWindow = remoteWindow;
        _remoteMaxPacket = remoteMaxPacket;
        _closed = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed);
        Input = new ChannelInput(Consumed);
    }

    public uint LocalId { get; }

    public uint RemoteId { get; }

    public ChannelInput Input { get; }

    /// <summary>Signalled when the client closes the channel or the connection ends.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>True once a subsystem, exec or shell request has been accepted: only one may run (RFC 4254 §6.5).</summary>
    public bool Started { get; set; }

    public Task Application { get; set; } = Task.CompletedTask;

    /// <summary>Data from the client; more than the window allows ends the connection (RFC 4254 §5.2).</summary>
    public void OnData(ReadOnlySpan<byte> data)
    {
        TakeWindow(data.Length);
        if (!data.IsEmpty)
        {
            Input.Append(data);
        }
    }

    /// <summary>Extended data from the client (nothing here reads it): counted, then released at once.</summary>
    public void OnExtendedData(int length)
    {
        TakeWindow(length);
        Consumed(length);
    }

    /// <summary>RFC 4254 §5.2: the window may not grow beyond 2^32 - 1 bytes.</summary>
    public void OnWindowAdjust(uint bytes)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (_remoteWindow + bytes > uint.MaxValue)
            {
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"channel {LocalId}: window adjust of {bytes} overflows the window beyond 2^32-1");
            }

            _remoteWindow += bytes;
            waiter = _windowWaiter;
            _windowWaiter = null;
        }

        waiter?.TrySetResult();
    }

    public void OnEof() => Input.End();

    /// <summary>
    /// RFC 4254 §5.3: the client closed; we answer with our CLOSE unless already sent, after which the channel
    /// number is free again. The application is told to stop.
    /// </summary>
    public void OnClose()
    {
        bool reply;
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            reply = !_closeSent;
            _closeSent = true;
            waiter = _windowWaiter;
            _windowWaiter = null;
        }

        waiter?.TrySetResult();
        Input.Discard();
        _closed.Cancel();
        if (reply)
        {
            _transport.Post(ChannelMessage(MessageNumbers.ChannelClose));
        }
    }

    /// <summary>Sends data (or extended data of <paramref name="extendedType"/>), waiting for window as needed.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, uint? extendedType, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int chunk = 0;
            Task? wait = null;
            lock (_lock)
            {
                if (_closeSent || _eofSent)
                {
                    throw new IOException($"channel {LocalId} is closed for output");
                }

                if (_remoteWindow == 0)
                {
                    _windowWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _windowWaiter.Task;
                }
                else
                {
                    chunk = (int)Math.Min(Math.Min(data.Length, _remoteWindow), Math.Min(_remoteMaxPacket, MaxDataPerPacket));
                    _remoteWindow -= chunk;
                }
            }

            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken);
                continue;
            }

            await _transport.SendAsync(DataPacket(data.Span[..chunk], extendedType), cancellationToken);
            data = data[chunk..];
        }
    }

    /// <summary>
    /// The application finished: exit-status (RFC 4254 §6.10), EOF and CLOSE, in that order, unless the client
    /// closed first.
    /// </summary>
    public void Finish(int exitStatus)
    {
        lock (_lock)
        {
            if (_closeSent)
            {
                return;
            }

            _closeSent = true;
            _eofSent = true;
        }

        using (var status = SshWriter.ForPayload(MessageNumbers.ChannelRequest, 32))
        {
            status.WriteUInt32(RemoteId);
            status.WriteString("exit-status");
            status.WriteBoolean(false);
            status.WriteUInt32((uint)exitStatus);
            _transport.Post(status.ToPacket());
        }

        _transport.Post(ChannelMessage(MessageNumbers.ChannelEof));
        _transport.Post(ChannelMessage(MessageNumbers.ChannelClose));
    }

    public void Dispose()
    {
        Input.Discard();
        _closed.Cancel();
        _closed.Dispose();
    }

    private void TakeWindow(int length)
    {
        lock (_lock)
        {
            if (length > _localWindow || length > MaxPacket)
            {
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"channel {LocalId}: {length} bytes of data beyond the window of {_localWindow} or the packet limit");
            }

            _localWindow -= length;
        }
    }

    /// <summary>Reopens the window once the application has taken half of it, in one WINDOW_ADJUST (RFC 4254 §5.2).</summary>
    private void Consumed(int bytes)
    {
        uint adjust;
        lock (_lock)
        {
            _consumedSinceAdjust += bytes;
            if (_consumedSinceAdjust < InitialWindow / 2 || _closeSent)
            {
                return;
            }

            adjust = (uint)_consumedSinceAdjust;
            _localWindow += adjust;
            _consumedSinceAdjust = 0;
        }

        using var message = SshWriter.ForPayload(MessageNumbers.ChannelWindowAdjust, 16);
        message.WriteUInt32(RemoteId);
        message.WriteUInt32(adjust);
        _transport.Post(message.ToPacket());
    }

    private OutgoingPacket ChannelMessage(byte number)
    {
        using var message = SshWriter.ForPayload(number, 8);
        message.WriteUInt32(RemoteId);
        return message.ToPacket();
    }

    /// <summary>SSH_MSG_CHANNEL_DATA or _EXTENDED_DATA built straight into a pooled packet buffer.</summary>
    private OutgoingPacket DataPacket(ReadOnlySpan<byte> data, uint? extendedType)
    {
        int header = extendedType is null ? 9 : 13;
        var buffer = ArrayPool<byte>.Shared.Rent(OutgoingPacket.PayloadOffset + header + data.Length);
        var payload = buffer.AsSpan(OutgoingPacket.PayloadOffset);
        payload[0] = extendedType is null ? MessageNumbers.ChannelData : MessageNumbers.ChannelExtendedData;
        BinaryPrimitives.WriteUInt32BigEndian(payload[1..], RemoteId);
        if (extendedType is { } type)
        {
            BinaryPrimitives.WriteUInt32BigEndian(payload[5..], type);
        }

        BinaryPrimitives.WriteUInt32BigEndian(payload[(header - 4)..], (uint)data.Length);
        data.CopyTo(payload[header..]);
        return new OutgoingPacket(buffer, header + data.Length);
    }
}
