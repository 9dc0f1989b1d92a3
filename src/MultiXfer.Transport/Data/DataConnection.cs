using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Transport.Data;

/// <summary>
/// One FTP data connection. Protocol code reads and writes <see cref="Stream"/> (TLS may wrap it); while it is
/// the plain socket, files can go out with sendfile(2), never passing through user space.
/// </summary>
public sealed class DataConnection : IAsyncDisposable
{
    private const int MinSendFileSlice = 256 * 1024;

    /// <summary>Progress is seen only between slices; 4 MiB keeps a slow link inside the stall timeout.</summary>
    private const int MaxSendFileSlice = 4 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _plain;

    internal DataConnection(Socket socket)
    {
        _socket = socket;
        _plain = new NetworkStream(socket, ownsSocket: true);
        _carrier = _plain;
    }

    /// <summary>What transfers read and write: the socket, TLS over it, or a layer (MODE Z) over either.</summary>
    public Stream Stream => _layer ?? _carrier;

    /// <summary>The socket's stream or TLS over it: what a layer wraps.</summary>
    private Stream _carrier;

    /// <summary>A transform over the carrier (<see cref="AddLayer"/>), until <see cref="CompleteAsync"/> ends it.</summary>
    private Stream? _layer;

    /// <summary>True while nothing wraps the socket, so zero-copy sending applies.</summary>
    public bool IsPlain => ReferenceEquals(Stream, _plain);

    /// <summary>
    /// Puts a transform between the transfer and the connection (MODE Z's zlib stream, over TLS when the data is
    /// protected: compress, then encrypt). <paramref name="create"/> gets the carrier and must leave it open when
    /// disposed; <see cref="CompleteAsync"/> disposes the layer first, so a compressor's last block goes out before
    /// TLS's close_notify and the FIN.
    /// </summary>
    public void AddLayer(Func<Stream, Stream> create) => _layer = create(_carrier);

    /// <summary>The TLS layer once the connection is protected (PROT P).</summary>
    public TlsSession? Tls { get; private set; }

    private EndOfStreamWitness? _witness;

    /// <summary>Runs the server side of a TLS handshake on this connection (PROT P) and uses it from now on.</summary>
    public async Task ProtectAsync(TlsServer server, string? controlServerName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _witness = new EndOfStreamWitness(new ReadAheadStream(_plain));
        Tls = await server.AcceptAsync(_witness, leaveInnerOpen: false, TlsPurpose.Data, timeout, cancellationToken, controlServerName);
        _carrier = Tls.Stream;
    }

    /// <summary>
    /// For a protected connection whose reads returned 0: true when the peer ended with close_notify, false when
    /// the connection merely closed (a truncation nobody can tell from a complete upload). Plain connections: true.
    /// </summary>
    public bool EndedCleanly => _witness is not { SawEndOfStream: true };

    /// <summary>
    /// Sends <paramref name="count"/> bytes of a file from <paramref name="offset"/> with sendfile(2), in slices
    /// that grow while the peer keeps up, so <paramref name="progress"/> hears of every slice on a slow link too.
    /// Returns the bytes sent: fewer than asked when the file shrank meanwhile.
    /// </summary>
    public async Task<long> SendFileAsync(SafeFileHandle file, long offset, long count, Action<long> progress,
        CancellationToken cancellationToken)
    {
        // SendPacketsElement wants a FileStream opened for asynchronous I/O, and a FileStream closes what it wraps.
        // The descriptor's /proc entry reopens exactly the inode already open (no path is resolved again), as a
        // stream of our own.
        await using var stream = new FileStream($"/proc/self/fd/{file.DangerousGetHandle()}", FileMode.Open, FileAccess.Read,
            FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);
        using var args = new SocketAsyncEventArgs();
        var completion = new AwaitableCompletion();
        args.Completed += (_, _) => completion.Signal();
        using var cancel = CloseOn(cancellationToken);
        long sent = 0;
        int slice = MinSendFileSlice;
        while (sent < count)
        {
            int want = (int)Math.Min(count - sent, slice);
            args.SendPacketsElements = [new SendPacketsElement(stream, offset + sent, want, endOfPacket: false)];
            completion.Reset();
            long started = Environment.TickCount64;
            if (_socket.SendPacketsAsync(args))
            {
                await completion.Task;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (args.SocketError != SocketError.Success)
            {
                throw new IOException($"data connection failed: {args.SocketError}", new SocketException((int)args.SocketError));
            }

            long moved = args.BytesTransferred;
            sent += moved;
            progress(moved);
            if (moved < want)
            {
                break;
            }

            slice = Environment.TickCount64 - started < 250 ? Math.Min(slice * 2, MaxSendFileSlice) : Math.Max(slice / 2, MinSendFileSlice);
        }

        return sent;
    }

    /// <summary>
    /// Receives on the plain socket with a blocking recv(2), for a caller that has a thread of its own for the
    /// transfer: the kernel wakes that thread when data arrives, where an asynchronous read goes through the socket
    /// engine's thread and then a thread-pool thread (two hand-offs per read; a 1 GiB FTP upload spent a quarter of
    /// its CPU switching between them). Returns 0 at the end of the stream. Only while <see cref="IsPlain"/>.
    /// </summary>
    public int ReceiveBlocking(Span<byte> buffer)
    {
        if (!IsPlain)
        {
            throw new InvalidOperationException("blocking receives need the plain socket");
        }

        if (!_socket.Blocking)
        {
            _socket.Blocking = true;
        }

        return _socket.Receive(buffer);
    }

    /// <summary>Closes the socket when <paramref name="cancellationToken"/> fires, which ends a blocked receive.</summary>
    public CancellationTokenRegistration CloseOn(CancellationToken cancellationToken) =>
        cancellationToken.Register(static socket => ((Socket)socket!).Dispose(), _socket);

    /// <summary>
    /// Ends a successful transfer: everything written is sent; a protected connection that sent data ends TLS with
    /// close_notify, so the client can tell a complete download from a cut one; then FIN.
    /// </summary>
    public async ValueTask CompleteAsync(bool sentData, CancellationToken cancellationToken)
    {
        if (_layer is { } layer)
        {
            // The layer's end is data (a compressor's last blocks, often most of a small file's stream): a failure here
            // fails the transfer, unlike the flush and shutdown below. Its dispose has no cancellation of its own: a
            // stall or ABOR closes the socket under it.
            using var closeOnCancel = CloseOn(cancellationToken);
            _layer = null;
            await layer.DisposeAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        try
        {
            await Stream.FlushAsync(cancellationToken);
            if (Tls is { } tls && sentData)
            {
                await tls.Stream.ShutdownAsync().WaitAsync(cancellationToken);
            }

            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_layer is { } layer)
            {
                // A layer still here means the transfer did not complete: the socket closes first, so a compressor's
                // last block goes nowhere and the client sees the stream cut, not ended.
                _socket.Dispose();
                await layer.DisposeAsync();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            await _carrier.DisposeAsync();
            _socket.Dispose();
        }
    }

    /// <summary>A reusable completion signal for SocketAsyncEventArgs callbacks.</summary>
    private sealed class AwaitableCompletion
    {
        private TaskCompletionSource _source = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _source.Task;

        public void Reset() => _source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Signal() => _source.TrySetResult();
    }
}
