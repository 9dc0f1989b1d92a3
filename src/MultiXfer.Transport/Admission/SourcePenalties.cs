using System.Net;
using Microsoft.Extensions.Logging;
using MultiXfer.Connections;

namespace MultiXfer.Transport.Admission;

/// <summary>
/// Per-source penalties, shared by every protocol and listener (OpenSSH 9.8's PerSourcePenalties, srclimit.c): a
/// connection that ends without logging in adds seconds to its source's outstanding penalty; once the outstanding
/// penalty reaches the minimum, the source is refused at accept, before any work, until it expires (never longer
/// than the maximum from now). Sources are client addresses, IPv6 clients by prefix; exempt networks and trusted
/// proxies are never penalised. The table is bounded: when full, the entries that expire first make room.
/// </summary>
public sealed partial class SourcePenalties
{
    private sealed class Entry
    {
        public long ExpiresAt;
        public bool Active;
    }

    private readonly PenaltyOptions _options;
    private readonly IReadOnlyList<IPNetwork> _exempt;
    private readonly int _ipv6PrefixLength;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<IPAddress, Entry> _entries = [];
    private readonly Lock _lock = new();
    private readonly PenaltyMetrics? _metrics;

    /// <param name="exempt">Networks never penalised: the configured exemptions and every listener's trusted proxies.</param>
    /// <param name="metrics">Where penalties are counted; null: nowhere.</param>
    public SourcePenalties(PenaltyOptions options, IReadOnlyList<IPNetwork> exempt, int ipv6PrefixLength, TimeProvider time, ILogger logger,
        PenaltyMetrics? metrics = null)
    {
        _metrics = metrics;
        metrics?.Observe(this);
        _options = options;
        _exempt = exempt;
        _ipv6PrefixLength = ipv6PrefixLength;
        _time = time;
        _logger = logger;
    }

    /// <summary>Where this gateway's penalties go to be added up with other gateways' (a cluster's); null: this gateway only.</summary>
    public IPenaltyShare? Share { get; set; }

    /// <summary>Sources tracked now.</summary>
    public int TrackedSources
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    private long NowMilliseconds => (long)_time.GetElapsedTime(0).TotalMilliseconds;

    /// <summary>True while <paramref name="address"/> serves an active penalty: refuse its connections unanswered.</summary>
    public bool IsPenalised(IPAddress address)
    {
        if (!_options.Enabled)
        {
            return false;
        }

        var key = ClientNetwork.KeyOf(address, _ipv6PrefixLength);
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var entry) && entry.Active && entry.ExpiresAt > NowMilliseconds;
        }
    }

    /// <summary>A connection from <paramref name="address"/> ended without logging in, having done <paramref name="failure"/>.</summary>
    public void Penalise(IPAddress address, LoginFailure failure)
    {
        int seconds = _options.SecondsFor(failure);
        if (!_options.Enabled || seconds <= 0 || IsExempt(address))
        {
            return;
        }

        var key = ClientNetwork.KeyOf(address, _ipv6PrefixLength);
        long now = NowMilliseconds;
        long outstanding;
        bool activated;
        lock (_lock)
        {
            var entry = EntryFor(key, now);
            if (entry.ExpiresAt <= now)
            {
                entry.ExpiresAt = now;
                entry.Active = false;
            }

            entry.ExpiresAt = Math.Min(entry.ExpiresAt + (seconds * 1000L), now + (_options.MaximumSeconds * 1000L));
            outstanding = entry.ExpiresAt - now;
            activated = !entry.Active && outstanding >= _options.MinimumSeconds * 1000L;
            entry.Active |= activated;
        }

        _metrics?.Penalised(failure, activated);
        Share?.Added(key, seconds);
        LogPenalty(key.ToString(), seconds, Describe(failure), outstanding / 1000);
        if (activated)
        {
            LogActivated(key.ToString(), outstanding / 1000);
        }
    }

    /// <summary>
    /// A penalty the cluster activated for <paramref name="source"/> (a key as <see cref="ClientNetwork.KeyOf"/> makes
    /// it, from any gateway): refused here too until <paramref name="remaining"/> has passed, unless it is exempt here.
    /// </summary>
    public void Impose(IPAddress source, TimeSpan remaining)
    {
        if (!_options.Enabled || remaining <= TimeSpan.Zero || IsExempt(source))
        {
            return;
        }

        var key = ClientNetwork.KeyOf(source, _ipv6PrefixLength);
        long now = NowMilliseconds;
        long until = now + Math.Min((long)remaining.TotalMilliseconds, _options.MaximumSeconds * 1000L);
        bool activated;
        lock (_lock)
        {
            var entry = EntryFor(key, now);
            activated = !entry.Active || entry.ExpiresAt <= now;
            entry.ExpiresAt = Math.Max(entry.ExpiresAt, until);
            entry.Active = true;
        }

        if (activated)
        {
            LogImposed(key.ToString(), (until - now) / 1000);
        }
    }

    private bool IsExempt(IPAddress address)
    {
        address = ConnectionContext.Normalize(address);
        foreach (var network in _exempt)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Under the lock: the source's entry, made (room made first) if it has none.</summary>
    private Entry EntryFor(IPAddress key, long now)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            MakeRoom(now);
            entry = new Entry { ExpiresAt = now };
            _entries[key] = entry;
        }

        return entry;
    }

    /// <summary>Under the lock: at capacity, expired entries go, then (still full) the eighth that expires first.</summary>
    private void MakeRoom(long now)
    {
        if (_entries.Count < _options.MaxTrackedSources)
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.Remove(key);
            }
        }

        int excess = _entries.Count - _options.MaxTrackedSources + 1 + (_options.MaxTrackedSources / 8);
        if (excess > 0)
        {
            foreach (var key in _entries.OrderBy(e => e.Value.ExpiresAt).Take(excess).Select(e => e.Key).ToList())
            {
                _entries.Remove(key);
            }
        }
    }

    private static string Describe(LoginFailure failure) => failure switch
    {
        LoginFailure.AuthenticationFailed => "failed authentication",
        LoginFailure.GraceExceeded => "login time exceeded",
        LoginFailure.ProtocolError => "protocol error before login",
        _ => "connection without a login",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "penalty for {Source}: {Seconds} s for {Reason} ({Outstanding} s outstanding)")]
    private partial void LogPenalty(string source, int seconds, string reason, long outstanding);

    [LoggerMessage(Level = LogLevel.Warning, Message = "source {Source} penalised: its connections are refused for {Seconds} s")]
    private partial void LogActivated(string source, long seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "source {Source} penalised by the cluster: its connections are refused for {Seconds} s")]
    private partial void LogImposed(string source, long seconds);
}
