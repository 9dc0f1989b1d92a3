using System.Net;
using MultiXfer.Connections;

namespace MultiXfer.Ssh;

/// <summary>
/// Caps connections from one address (IPv6: one prefix) that have not authenticated yet, so one source cannot hold
/// every login slot open until the grace time runs out (OpenSSH's PerSourceMaxStartups).
/// </summary>
internal sealed class UnauthenticatedLimiter(int perAddress, int ipv6PrefixLength)
{
    private readonly Dictionary<IPAddress, int> _counts = [];
    private readonly Lock _lock = new();

    public bool TryEnter(IPAddress address)
    {
        var key = ClientNetwork.KeyOf(address, ipv6PrefixLength);
        lock (_lock)
        {
            int count = _counts.GetValueOrDefault(key);
            if (count >= perAddress)
            {
                return false;
            }

            _counts[key] = count + 1;
            return true;
        }
    }

    public void Leave(IPAddress address)
    {
        var key = ClientNetwork.KeyOf(address, ipv6PrefixLength);
        lock (_lock)
        {
            if (_counts.TryGetValue(key, out int count) && count > 1)
            {
                _counts[key] = count - 1;
            }
            else
            {
                _counts.Remove(key);
            }
        }
    }
}
