using System.Net;
using System.Net.Sockets;
using MultiXfer.Connections;

namespace MultiXfer.Transport.Data;

/// <summary>
/// A listening socket for one passive data connection. It accepts exactly one connection, and only from the
/// control connection's client: anyone else who connects first (PASV port theft, CVE-1999-0351) is closed
/// without a byte and the wait goes on for the real client.
/// </summary>
public sealed class PassiveListener : IAsyncDisposable
{
    private readonly Socket _socket;

    private PassiveListener(Socket socket)
    {
        _socket = socket;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    internal static PassiveListener Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(8);
            return new PassiveListener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Waits for <paramref name="expectedClient"/> to connect; refuses and reports any other peer.</summary>
    /// <exception cref="TimeoutException">Nobody acceptable connected in time.</exception>
    public async Task<DataConnection> AcceptAsync(IPAddress expectedClient, TimeSpan timeout, Action<IPEndPoint> onForeignPeer,
        CancellationToken cancellationToken)
    {
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
            if (ConnectionContext.Normalize(peer.Address).Equals(expectedClient))
            {
                return new DataConnection(accepted);
            }

            onForeignPeer(peer);
            accepted.LingerState = new LingerOption(true, 0);
            accepted.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
