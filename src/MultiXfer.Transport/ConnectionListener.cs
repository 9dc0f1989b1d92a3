using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MultiXfer.Connections;
using MultiXfer.Observability;
using MultiXfer.Transport.Admission;
using MultiXfer.Transport.FrontEnd;

namespace MultiXfer.Transport;

/// <summary>
/// One listening socket and its accept loop. It is the only code that touches connection sockets: it reads a PROXY
/// header from trusted proxies, refuses penalised sources, admits the real client through the shared
/// <see cref="AdmissionGate"/> (waiting for a slot when the limits are reached), picks the protocol on an "auto"
/// listener, wraps the socket in a stream, and hands a <see cref="ConnectionContext"/> to the protocol's handler.
/// </summary>
public sealed partial class ConnectionListener : IAsyncDisposable
{
    private static readonly string IdPrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
    private static long s_nextId;

    private readonly IPEndPoint _endPoint;
    private readonly ListenerFrontEnd _frontEnd;
    private readonly VirtualHostDirectory _virtualHosts;
    private readonly AdmissionGate _admission;
    private readonly SourcePenalties _penalties;
    private readonly ConnectionTracker _tracker;
    private readonly IConnectionObserver _observer;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _socket;
    private Task? _acceptLoop;

    public ConnectionListener(string name, IPEndPoint endPoint, ListenerFrontEnd frontEnd, VirtualHostDirectory virtualHosts,
        AdmissionGate admission, SourcePenalties penalties, ConnectionTracker tracker, IConnectionObserver observer, ILogger logger)
    {
        _observer = observer;
        Name = name;
        _endPoint = endPoint;
        _frontEnd = frontEnd;
        _virtualHosts = virtualHosts;
        _admission = admission;
        _penalties = penalties;
        _tracker = tracker;
        _logger = logger;
    }

    public string Name { get; }

    public string Protocol => _frontEnd.Protocol;

    /// <summary>Where the listener is bound; with port 0 in configuration, the port the system chose.</summary>
    public IPEndPoint BoundEndPoint => (IPEndPoint)(_socket?.LocalEndPoint ?? throw new InvalidOperationException("not started"));

    /// <summary>SOL_SOCKET and SO_REUSEADDR as Linux numbers them (asm-generic/socket.h).</summary>
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    /// <summary>Binds and starts accepting. Fails at once (port taken, bad address) so start-up can report it.</summary>
    public void Start()
    {
        var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (_endPoint.AddressFamily == AddressFamily.InterNetworkV6 && _endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            // SO_REUSEADDR alone, so that a restart binds despite connections in TIME_WAIT. .NET's ReuseAddress
            // option would also set SO_REUSEPORT on Linux, letting a second process listen on the same port and
            // take half its connections.
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            socket.Bind(_endPoint);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        LogListening(Name, Protocol, BoundEndPoint.ToString());
        _acceptLoop = AcceptLoopAsync(socket);
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                // Out of descriptors or a connection reset before accept: keep serving the others.
                LogAcceptFailed(Name, e.SocketErrorCode.ToString());
                await Task.Delay(50);
                continue;
            }

            _ = ServeAsync(accepted);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        ConnectionContext connection;
        try
        {
            socket.NoDelay = true;

            // FTP clients send ABOR's Telnet Synch as TCP urgent data; inline it so the line parser sees the whole
            // command instead of losing a byte to the out-of-band channel (RFC 959 section 4.1.3).
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.OutOfBandInline, true);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            string id = $"{IdPrefix}{Interlocked.Increment(ref s_nextId):x5}";
            connection = new ConnectionContext(id, Name, (IPEndPoint)socket.LocalEndPoint!, (IPEndPoint)socket.RemoteEndPoint!,
                new NetworkStream(socket, ownsSocket: true), _tracker.ShutdownRequested) { Observer = _observer };

            // The sites as they are now: a reload while this connection lives does not change what it serves.
            connection.VirtualHosts = _virtualHosts.Current;
            connection.VirtualHost = connection.VirtualHosts.ForListener(Name);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            socket.Dispose();
            return;
        }

        var task = RunAsync(connection, socket);
        _tracker.Add(connection, task);
        await task;
        _tracker.Remove(connection);
        connection.Release();
    }

    private async Task RunAsync(ConnectionContext connection, Socket socket)
    {
        await Task.Yield();

        // The stream created here; protocols may layer others over it (TLS) and replace Transport.
        var socketStream = connection.Transport;
        using var scope = _logger.BeginScope(connection.LogScope);
        using var abort = connection.ConnectionClosed.Register(static s => ((Socket)s!).Dispose(), socket);
        AdmissionTicket? ticket = null;
        bool opened = false;
        bool reported = false;
        try
        {
            if (await ProxyStageAsync(connection, socket) is not { } peerStayedSilent)
            {
                return;
            }

            // Admitted from here on, before detection, so connections still being looked at are bounded by the limits.
            RejectReason? refusal;
            if (_penalties.IsPenalised(connection.ClientAddress))
            {
                refusal = RejectReason.Penalised;
            }
            else if (_tracker.ShutdownRequested.IsCancellationRequested)
            {
                refusal = RejectReason.ShuttingDown;
            }
            else
            {
                (ticket, refusal) = await _admission.AdmitAsync(connection.ClientAddress, () => Evict(connection), connection.ConnectionClosed);
            }

            if (ticket is not null)
            {
                connection.OnAuthenticated(ticket.Authenticated);
            }

            if (refusal is { } reason && (_frontEnd.Detection is not null || reason == RejectReason.Penalised))
            {
                // Detecting first would let refused clients hold sockets for the detection timeout, beyond every
                // limit: on a shared port the refusal is the closed connection. A penalised source gets no work at all.
                LogRefused(reason.ToString());
                _observer.Refused(connection, reason.ToString());
                return;
            }

            if (await SelectHandlerAsync(connection, socket, peerStayedSilent) is not { } handler)
            {
                opened = ticket is not null;
                return;
            }

            if (refusal is { } refused)
            {
                LogRefused(refused.ToString());
                _observer.Refused(connection, refused.ToString());
                await RejectAsync(handler, connection, refused);
                return;
            }

            opened = reported = true;
            LogOpened(Name, new IPEndPoint(connection.LocalAddress, connection.LocalEndPoint.Port).ToString());
            _observer.Opened(connection);
            await handler.RunAsync(connection);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            LogDropped(e.GetType().Name, e.Message);
        }
        catch (Exception e)
        {
            // A bug in one session must not take the process down: log it and close this connection only.
            LogCrashed(e);
        }
        finally
        {
            ticket?.Dispose();
            if (opened && !connection.IsAuthenticated)
            {
                _penalties.Penalise(connection.ClientAddress, connection.WorstLoginFailure ?? LoginFailure.NoAuthentication);
            }

            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }

            await connection.Transport.DisposeAsync();
            await socketStream.DisposeAsync();
            connection.Abort();
            if (opened)
            {
                LogClosed();
            }

            if (reported)
            {
                _observer.Closed(connection);
            }
        }
    }

    /// <summary>Its login slot went to a client from another address (every slot was taken): close it.</summary>
    private void Evict(ConnectionContext connection)
    {
        using var scope = _logger.BeginScope(connection.LogScope);
        LogEvicted();
        connection.Abort();
    }

    /// <summary>
    /// A trusted proxy's PROXY header: the client address it relays replaces the TCP peer. Returns null when the
    /// connection is refused, otherwise whether the peer stayed silent while a header was awaited.
    /// </summary>
    private async Task<bool?> ProxyStageAsync(ConnectionContext connection, Socket socket)
    {
        var proxy = await ProxyHeaderReader.ReadAsync(socket, connection.ClientAddress, _frontEnd.Proxy, connection.ConnectionClosed);
        if (proxy.Refusal is { } proxyRefusal)
        {
            LogFrontEndRefused(Name, proxyRefusal);
            _observer.Refused(connection, "ProxyHeader");
            return null;
        }

        if (proxy.Description is { } description)
        {
            LogProxyHeader(connection.RemoteEndPoint.ToString(), description);
        }

        if (proxy.Client is { } client)
        {
            connection.ClientAddress = client.Address;
            connection.LogScope.RemoteAddress = client.Address;
        }

        return proxy.PeerStayedSilent;
    }

    /// <summary>The listener's protocol, or the one detection picks; null when the connection is to be closed unanswered.</summary>
    private async Task<IConnectionHandler?> SelectHandlerAsync(ConnectionContext connection, Socket socket, bool peerStayedSilent)
    {
        if (_frontEnd.Detection is not { } detection)
        {
            connection.LogScope.Protocol = Protocol;
            return _frontEnd.Handlers.Values.Single();
        }

        var detected = await ProtocolDetector.DetectAsync(socket, detection, peerStayedSilent, connection.ConnectionClosed);
        if (detected.Protocol is not { } protocol)
        {
            connection.RecordLoginFailure(detected.Failure);
            LogFrontEndRefused(Name, detected.Refusal!);
            _observer.Refused(connection, "Undetected");
            return null;
        }

        LogDetected(protocol);
        connection.LogScope.Protocol = protocol;
        return _frontEnd.Handlers[protocol];
    }

    private static async Task RejectAsync(IConnectionHandler handler, ConnectionContext connection, RejectReason reason)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await handler.RejectAsync(connection, reason).WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        _socket?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "listener {Name} ({Protocol}) on {EndPoint}")]
    private partial void LogListening(string name, string protocol, string endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "listener {Name}: accept failed ({Error})")]
    private partial void LogAcceptFailed(string name, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "listener {Name}: connection closed before any protocol: {Reason}")]
    private partial void LogFrontEndRefused(string name, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "proxied connection from {Proxy}: {Header}")]
    private partial void LogProxyHeader(string proxy, string header);

    [LoggerMessage(Level = LogLevel.Information, Message = "protocol detected: {Protocol}")]
    private partial void LogDetected(string protocol);

    [LoggerMessage(Level = LogLevel.Information, Message = "connection opened on {Listener} ({LocalEndPoint})")]
    private partial void LogOpened(string listener, string localEndPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "connection refused: {Reason}")]
    private partial void LogRefused(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "connection dropped: {Kind} {Detail}")]
    private partial void LogDropped(string kind, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "session failed unexpectedly; connection closed")]
    private partial void LogCrashed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "closed before login: every login slot is taken and a client from a less busy address needed one")]
    private partial void LogEvicted();

    [LoggerMessage(Level = LogLevel.Information, Message = "connection closed")]
    private partial void LogClosed();
}
