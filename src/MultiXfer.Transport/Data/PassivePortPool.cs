using System.Net;
using System.Net.Sockets;
using MultiXfer.Connections;

namespace MultiXfer.Transport.Data;

/// <summary>
/// Hands out listening sockets for passive data connections from the configured range. Each search starts at a
/// random port, so the next port cannot be predicted from the last one, and each client (IPv6 per prefix) may hold
/// at most <paramref name="maxPerClient"/> at once, so a few clients cannot take the whole range.
/// </summary>
public sealed class PassivePortPool(PortRange? range, int maxPerClient, int ipv6PrefixLength)
{
    private readonly Dictionary<IPAddress, int> _perClient = [];

    /// <summary>Listens on a free port of the range; null when the client already holds its share.</summary>
    /// <exception cref="SocketException">Every port of the range is taken.</exception>
    public PassiveListener? Listen(IPAddress localAddress, IPAddress client, TimeSpan unusedLifetime)
    {
        var key = ClientNetwork.KeyOf(client, ipv6PrefixLength);
        lock (_perClient)
        {
            _perClient.TryGetValue(key, out int held);
            if (held >= maxPerClient)
            {
                return null;
            }

            _perClient[key] = held + 1;
        }

        try
        {
            var socket = Bind(localAddress);
            return new PassiveListener(socket, unusedLifetime, () => Release(key));
        }
        catch
        {
            Release(key);
            throw;
        }
    }

    private Socket Bind(IPAddress localAddress)
    {
        if (range is not { } ports)
        {
            return PassiveListener.Bind(new IPEndPoint(localAddress, 0));
        }

        int start = Random.Shared.Next(ports.Count);
        SocketException? last = null;
        for (int attempt = 0; attempt < ports.Count; attempt++)
        {
            try
            {
                return PassiveListener.Bind(new IPEndPoint(localAddress, ports.First + ((start + attempt) % ports.Count)));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                last = e;
            }
        }

        throw last ?? new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    private void Release(IPAddress key)
    {
        lock (_perClient)
        {
            if (_perClient.TryGetValue(key, out int held) && held > 1)
            {
                _perClient[key] = held - 1;
            }
            else
            {
                _perClient.Remove(key);
            }
        }
    }
}
