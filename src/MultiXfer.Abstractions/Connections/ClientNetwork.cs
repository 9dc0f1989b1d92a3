using System.Net;
using System.Net.Sockets;

namespace MultiXfer.Connections;

/// <summary>
/// The unit that connection limits, login throttling and passive-port caps count in: an IPv4 address, or an IPv6
/// prefix (Server:Ipv6PrefixLength, /64 by default). One subscriber usually holds a whole /64, so counting single
/// IPv6 addresses would let anyone evade every per-client limit by rotating addresses.
/// </summary>
public static class ClientNetwork
{
    public static IPAddress KeyOf(IPAddress address, int ipv6PrefixLength)
    {
        address = ConnectionContext.Normalize(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || ipv6PrefixLength >= 128)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        for (int bit = ipv6PrefixLength; bit < 128; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}
