using System.Net;
using System.Net.Sockets;

namespace MultiXfer.Transport.Data;

/// <summary>Opens active-mode data connections (PORT/EPRT) from the control connection's local address.</summary>
public static class ActiveConnector
{
    public static async Task<DataConnection> ConnectAsync(IPAddress localAddress, IPEndPoint target, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(localAddress, 0));
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(target, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"connect to {target} timed out");
            }

            return new DataConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
