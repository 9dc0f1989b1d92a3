using System.Net;
using System.Net.Sockets;

namespace MultiXfer.Transport.Data;

/// <summary>
/// Hands out listening sockets for passive data connections from the configured range, round-robin from a
/// random start, so consecutive sessions do not get predictable ports.
/// </summary>
public sealed class PassivePortPool(PortRange? range)
{
    private int _next = range is { } r ? Random.Shared.Next(r.Count) : 0;

    /// <summary>Listens on the next free port of the range on <paramref name="localAddress"/>.</summary>
    /// <exception cref="SocketException">Every port of the range is taken.</exception>
    public PassiveListener Listen(IPAddress localAddress)
    {
        if (range is not { } ports)
        {
            return PassiveListener.Bind(new IPEndPoint(localAddress, 0));
        }

        SocketException? last = null;
        for (int attempt = 0; attempt < ports.Count; attempt++)
        {
            int port = ports.First + (int)((uint)Interlocked.Increment(ref _next) % (uint)ports.Count);
            try
            {
                return PassiveListener.Bind(new IPEndPoint(localAddress, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                last = e;
            }
        }

        throw last ?? new SocketException((int)SocketError.AddressAlreadyInUse);
    }
}
