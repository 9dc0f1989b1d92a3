using System.Net;
using System.Net.Sockets;
using MultiXfer.Connections;
using MultiXfer.Transport.FrontEnd;

namespace MultiXfer.Transport.Data;

/// <summary>
/// A listening socket for one passive data connection. It accepts exactly one connection, and only from the
/// control connection's client: anyone else who connects first (PASV port theft, CVE-1999-0351) is closed
/// without a byte and the wait goes on for the real client. Unused for its lifetime, it closes itself, so a
/// client that sends PASV and nothing else does not keep the port.
/// </summary>
public sealed class PassiveListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Timer _expiry;
    private Action? _released;
    private int _state; // 0 idle, 1 accepting, 2 closed

    internal PassiveListener(Socket socket, TimeSpan unusedLifetime, Action released)
    {
        _socket = socket;
        _released = released;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _expiry = new Timer(static s => ((PassiveListener)s!).Expire(), this, unusedLifetime, Timeout.InfiniteTimeSpan);
    }

    public int Port { get; }

    internal static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(8);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Expire()
    {
        if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
        {
            Close();
        }
    }

    /// <summary>
    /// Waits for <paramref name="expectedClient"/> to connect, directly or through a proxy the control
    /// connection's listener trusts (then the PROXY header names the client); refuses and reports any other peer.
    /// </summary>
    /// <exception cref="TimeoutException">Nobody acceptable connected in time, or the listener had expired.</exception>
    public async Task<DataConnection> AcceptAsync(IPAddress expectedClient, ProxyPolicy proxy, TimeSpan timeout,
        Action<IPEndPoint> onForeignPeer, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new TimeoutException("the passive port was not used in time and has been closed");
        }

        await _expiry.DisposeAsync();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("no data connection arrived in time");
            }

            var peer = (IPEndPoint)accepted.RemoteEndPoint!;
            IPEndPoint? client;
            try
            {
                client = await ClientBehindAsync(accepted, peer, proxy, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                accepted.Dispose();
                throw new TimeoutException("no data connection arrived in time");
            }
            catch
            {
                // Cancelled (ABOR, the control connection closed) while a trusted peer's header was awaited.
                accepted.Dispose();
                throw;
            }

            if (client is not null && client.Address.Equals(expectedClient))
            {
                return new DataConnection(accepted);
            }

            peer = client ?? peer;

            onForeignPeer(peer);
            accepted.LingerState = new LingerOption(true, 0);
            accepted.Dispose();
        }
    }

    /// <summary>Who is really at the other end: the peer, or the client a trusted proxy's header names (null: refused).</summary>
    private static async Task<IPEndPoint?> ClientBehindAsync(Socket accepted, IPEndPoint peer, ProxyPolicy proxy, CancellationToken cancellationToken)
    {
        var address = ConnectionContext.Normalize(peer.Address);
        if (proxy.Mode == ProxyProtocolMode.Off || !proxy.Trusts(address))
        {
            return new IPEndPoint(address, peer.Port);
        }

        try
        {
            var outcome = await ProxyHeaderReader.ReadAsync(accepted, address, proxy, cancellationToken);
            return outcome.Refusal is null ? outcome.Client ?? new IPEndPoint(address, peer.Port) : null;
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return null;
        }
    }

    private void Close()
    {
        _socket.Dispose();
        Interlocked.Exchange(ref _released, null)?.Invoke();
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _state, 2);
        await _expiry.DisposeAsync();
        Close();
    }
}
