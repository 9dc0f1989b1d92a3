using System.Net;
using MultiXfer.Connections;

namespace MultiXfer.Transport;

/// <summary>
/// Caps connections in total and per client (Server:MaxConnections, Server:MaxConnectionsPerIp); IPv6 clients
/// count per prefix (<see cref="ClientNetwork"/>).
/// </summary>
public sealed class ConnectionLimiter(int maxTotal, int maxPerAddress, int ipv6PrefixLength)
{
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private int _total;

    /// <summary>Takes a slot; returns why not when the client must be refused.</summary>
    public RejectReason? TryAcquire(IPAddress address)
    {
        address = ClientNetwork.KeyOf(address, ipv6PrefixLength);
        lock (_perAddress)
        {
            if (_total >= maxTotal)
            {
                return RejectReason.TooManyConnections;
            }

            _perAddress.TryGetValue(address, out int count);
            if (count >= maxPerAddress)
            {
                return RejectReason.TooManyConnectionsFromAddress;
            }

            _perAddress[address] = count + 1;
            _total++;
            return null;
        }
    }

    public void Release(IPAddress address)
    {
        address = ClientNetwork.KeyOf(address, ipv6PrefixLength);
        lock (_perAddress)
        {
            _total--;
            if (_perAddress.TryGetValue(address, out int count) && count > 1)
            {
                _perAddress[address] = count - 1;
            }
            else
            {
                _perAddress.Remove(address);
            }
        }
    }
}
