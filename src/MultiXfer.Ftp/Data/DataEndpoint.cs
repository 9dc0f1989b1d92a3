using System.Net;
using MultiXfer.Transport.Data;
using MultiXfer.Transport.FrontEnd;

namespace MultiXfer.Ftp.Data;

/// <summary>Where the next data connection comes from: a passive listener or an active connect-back.</summary>
internal abstract class DataEndpoint : IAsyncDisposable
{
    public abstract Task<DataConnection> OpenAsync(TimeSpan timeout, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>PASV/EPSV: accept one connection, from the control connection's client only.</summary>
internal sealed class PassiveEndpoint(PassiveListener listener, IPAddress client, ProxyPolicy proxy, Action<IPEndPoint> onForeignPeer)
    : DataEndpoint
{
    public int Port => listener.Port;

    public override Task<DataConnection> OpenAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        listener.AcceptAsync(client, proxy, timeout, onForeignPeer, cancellationToken);

    public override ValueTask DisposeAsync() => listener.DisposeAsync();
}

/// <summary>PORT/EPRT: connect back to an address already checked to be the client's own.</summary>
internal sealed class ActiveEndpoint(IPAddress localAddress, IPEndPoint target) : DataEndpoint
{
    public override Task<DataConnection> OpenAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        ActiveConnector.ConnectAsync(localAddress, target, timeout, cancellationToken);
}
