using System.Collections.Concurrent;
using System.Net;
using MultiXfer.Connections;

namespace MultiXfer.Auth;

/// <summary>
/// Failed logins per client address, and the addresses refused for them. In memory for one gateway now; a cluster's
/// gateways will share one (seams §4), which is why the authenticator sees only this.
/// </summary>
public interface ILoginThrottle
{
    bool IsBanned(IPAddress address);

    /// <summary>Counts a failure; true when it bans the address.</summary>
    bool RecordFailure(IPAddress address);
}

/// <summary>
/// Counts failed logins per client address (IPv6 per prefix, see <see cref="ClientNetwork"/>) across every
/// protocol and bans a client that fails too often in a window; others are unaffected. The table is bounded, so a
/// spray of sources cannot grow it without limit (expired entries go first, then the oldest).
/// </summary>
public sealed class LoginThrottle(AuthOptions options, TimeProvider time, int ipv6PrefixLength = 64) : ILoginThrottle
{
    private sealed class Record
    {
        public long WindowStart;
        public int Failures;
        public long BannedUntil;
    }

    private int _evicting;
    private readonly ConcurrentDictionary<IPAddress, Record> _records = new();

    /// <summary>Milliseconds on the monotonic clock. Divides before multiplying: nanosecond timestamps times 1000
    /// would overflow a long after 106 days of uptime.</summary>
    private long Now
    {
        get
        {
            long ticks = time.GetTimestamp(), frequency = time.TimestampFrequency;
            return (ticks / frequency * 1000) + (ticks % frequency * 1000 / frequency);
        }
    }

    public int TrackedAddresses => _records.Count;

    public bool IsBanned(IPAddress address) =>
        _records.TryGetValue(ClientNetwork.KeyOf(address, ipv6PrefixLength), out var record) && Volatile.Read(ref record.BannedUntil) > Now;

    /// <summary>Records a failure; returns true when this failure got the address banned.</summary>
    public bool RecordFailure(IPAddress address)
    {
        address = ClientNetwork.KeyOf(address, ipv6PrefixLength);
        // One eviction at a time, and each frees an eighth of the table, so a client spraying new addresses at
        // a full table pays one sort per thousands of failures, not one per failure.
        if (!_records.ContainsKey(address) && _records.Count >= options.MaxTrackedAddresses && Interlocked.Exchange(ref _evicting, 1) == 0)
        {
            try
            {
                Evict();
            }
            finally
            {
                Volatile.Write(ref _evicting, 0);
            }
        }

        var record = _records.GetOrAdd(address, _ => new Record { WindowStart = Now });
        lock (record)
        {
            long now = Now;
            if (now - record.WindowStart > options.FailureWindowSeconds * 1000L)
            {
                record.WindowStart = now;
                record.Failures = 0;
            }

            record.Failures++;
            if (record.Failures >= options.MaxFailuresPerAddress && record.BannedUntil <= now)
            {
                record.BannedUntil = now + (options.BanSeconds * 1000L);
                return true;
            }

            return false;
        }
    }

    private void Evict()
    {
        long now = Now;
        long window = options.FailureWindowSeconds * 1000L;
        foreach (var (address, record) in _records)
        {
            if (record.BannedUntil <= now && now - record.WindowStart > window)
            {
                _records.TryRemove(address, out _);
            }
        }

        // Still full of live entries: drop the oldest windows that are not banned, then any.
        int excess = _records.Count - options.MaxTrackedAddresses + 1 + options.MaxTrackedAddresses / 8;
        if (excess > 0)
        {
            foreach (var (address, _) in _records.OrderBy(r => r.Value.BannedUntil > now).ThenBy(r => r.Value.WindowStart).Take(excess).ToList())
            {
                _records.TryRemove(address, out _);
            }
        }
    }
}
