using System.Net;
using MultiXfer.Connections;

namespace MultiXfer.Transport.Admission;

/// <summary>Admission limits (the Server section): slots, login slots and the queue in front of them.</summary>
public readonly record struct AdmissionLimits(
    int MaxConnections, int MaxConnectionsPerIp, int MaxUnauthenticated, int MaxUnauthenticatedPerIp,
    int MaxQueued, int MaxQueuedPerIp, TimeSpan QueueTimeout, int Ipv6PrefixLength)
{
    public static AdmissionLimits From(ServerOptions server) => new(server.MaxConnections, server.MaxConnectionsPerIp,
        server.MaxUnauthenticated, server.MaxUnauthenticatedPerIp, server.MaxQueued, server.MaxQueuedPerIp,
        TimeSpan.FromSeconds(server.QueueTimeoutSeconds), server.Ipv6PrefixLength);
}

/// <summary>
/// Who may start a session. Every connection needs a connection slot (in total and per client address, IPv6 by
/// prefix) for its whole life, and a login slot (in total and per address) until it logs in, because login is where
/// the costly work is: key exchange, password hashing, TLS handshakes. A connection over any limit is not refused
/// but waits, accepted and unanswered, in a bounded queue until slots free or its wait times out; only connections
/// beyond the queue's bounds are refused at once. Waiters are served in arrival order, each as soon as its own
/// address has room, so one busy address cannot hold up the others.
/// <para>
/// When every login slot is taken, a newcomer from an address holding fewer login slots than the busiest one takes
/// over the slot of the oldest unauthenticated connection of that busiest address (which is closed): silent or
/// dribbling connections from a few sources can then never lock out a client from another address. Seams: one home
/// for per-client slot counting (connection and login limits), as Kestrel's ResourceCounter.
/// </para>
/// </summary>
public sealed class AdmissionGate(AdmissionLimits limits)
{
    private sealed class Source
    {
        public int Connections;
        public int Unauthenticated;
        public int Waiting;
    }

    private sealed class Waiter(IPAddress key, Source source, Action evict)
    {
        public readonly IPAddress Key = key;
        public readonly Source Source = source;
        public readonly Action Evict = evict;
        public readonly TaskCompletionSource<AdmissionTicket?> Admitted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Dictionary<IPAddress, Source> _sources = [];
    private readonly LinkedList<Waiter> _waiting = new();

    /// <summary>Unauthenticated tickets, oldest first: eviction takes the oldest of the busiest address.</summary>
    private readonly LinkedList<AdmissionTicket> _unauthenticated = new();
    private readonly Lock _lock = new();
    private int _connections;

    public int Connections
    {
        get
        {
            lock (_lock)
            {
                return _connections;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Admits a connection from <paramref name="address"/>, waiting for slots if needed. Returns the ticket to hold
    /// (dispose it when the connection ends), or the reason it is refused. <paramref name="evict"/> closes the
    /// connection if its login slot is later given to another address.
    /// </summary>
    public async ValueTask<(AdmissionTicket? Ticket, RejectReason? Refusal)> AdmitAsync(IPAddress address, Action evict,
        CancellationToken cancellationToken)
    {
        var key = ClientNetwork.KeyOf(address, limits.Ipv6PrefixLength);
        Waiter waiter;
        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            var source = SourceOf(key);
            if (Fits(source) || (FitsButForTotalLogins(source) && EvictForLocked(source)))
            {
                return (AdmitLocked(key, source, evict), null);
            }

            if (source.Waiting >= limits.MaxQueuedPerIp || _waiting.Count >= limits.MaxQueued)
            {
                ForgetIfIdleLocked(key, source);
                return (null, source.Connections >= limits.MaxConnectionsPerIp ? RejectReason.TooManyConnectionsFromAddress
                    : RejectReason.TooManyConnections);
            }

            waiter = new Waiter(key, source, evict);
            node = _waiting.AddLast(waiter);
            source.Waiting++;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limits.QueueTimeout);
        using (timeout.Token.Register(() => CancelWaiter(node)))
        {
            var ticket = await waiter.Admitted.Task.ConfigureAwait(false);
            return ticket is not null ? (ticket, null) : (null, RejectReason.QueueTimedOut);
        }
    }

    private void CancelWaiter(LinkedListNode<Waiter> node)
    {
        lock (_lock)
        {
            if (node.List is null)
            {
                return; // Admitted meanwhile.
            }

            _waiting.Remove(node);
            node.Value.Source.Waiting--;
            ForgetIfIdleLocked(node.Value.Key, node.Value.Source);
        }

        node.Value.Admitted.TrySetResult(null);
    }

    private Source SourceOf(IPAddress key)
    {
        if (!_sources.TryGetValue(key, out var source))
        {
            source = new Source();
            _sources[key] = source;
        }

        return source;
    }

    private bool Fits(Source source) => FitsButForTotalLogins(source) && _unauthenticated.Count < limits.MaxUnauthenticated;

    private bool FitsButForTotalLogins(Source source) =>
        _connections < limits.MaxConnections && source.Connections < limits.MaxConnectionsPerIp &&
        source.Unauthenticated < limits.MaxUnauthenticatedPerIp;

    private AdmissionTicket AdmitLocked(IPAddress key, Source source, Action evict)
    {
        source.Connections++;
        source.Unauthenticated++;
        _connections++;
        var ticket = new AdmissionTicket(this, key, evict);
        ticket.Node = _unauthenticated.AddLast(ticket);
        return ticket;
    }

    /// <summary>
    /// Every login slot is taken: if the busiest address holds more than <paramref name="newcomer"/>'s, its oldest
    /// unauthenticated connection gives up its slot (max-min fairness between addresses).
    /// </summary>
    private bool EvictForLocked(Source newcomer)
    {
        int busiest = 0;
        foreach (var source in _sources.Values)
        {
            busiest = Math.Max(busiest, source.Unauthenticated);
        }

        if (busiest <= newcomer.Unauthenticated)
        {
            return false;
        }

        for (var node = _unauthenticated.First; node is not null; node = node.Next)
        {
            var victim = node.Value;
            if (_sources[victim.Key].Unauthenticated == busiest)
            {
                ReleaseLoginSlotLocked(victim);
                victim.Evicted = true;
                ThreadPool.UnsafeQueueUserWorkItem(static evict => evict(), victim.Evict, preferLocal: false);
                return true;
            }
        }

        return false;
    }

    private void ReleaseLoginSlotLocked(AdmissionTicket ticket)
    {
        if (ticket.Node is { } node)
        {
            _unauthenticated.Remove(node);
            ticket.Node = null;
            _sources[ticket.Key].Unauthenticated--;
        }
    }

    private void ForgetIfIdleLocked(IPAddress key, Source source)
    {
        if (source is { Connections: 0, Waiting: 0 })
        {
            _sources.Remove(key);
        }
    }

    /// <summary>Under the lock, after slots freed: admits every waiter, in arrival order, whose address has room.</summary>
    private void ServeWaitersLocked()
    {
        var node = _waiting.First;
        while (node is not null && _unauthenticated.Count < limits.MaxUnauthenticated && _connections < limits.MaxConnections)
        {
            var next = node.Next;
            var waiter = node.Value;
            if (Fits(waiter.Source))
            {
                _waiting.Remove(node);
                waiter.Source.Waiting--;
                waiter.Admitted.TrySetResult(AdmitLocked(waiter.Key, waiter.Source, waiter.Evict));
            }

            node = next;
        }
    }

    internal void Authenticated(AdmissionTicket ticket)
    {
        lock (_lock)
        {
            ReleaseLoginSlotLocked(ticket);
            ServeWaitersLocked();
        }
    }

    internal void Release(AdmissionTicket ticket)
    {
        lock (_lock)
        {
            ReleaseLoginSlotLocked(ticket);
            var source = _sources[ticket.Key];
            source.Connections--;
            _connections--;
            ForgetIfIdleLocked(ticket.Key, source);
            ServeWaitersLocked();
        }
    }
}

/// <summary>A connection's admission: its connection slot, and its login slot until <see cref="Authenticated"/>.</summary>
public sealed class AdmissionTicket : IDisposable
{
    private readonly AdmissionGate _gate;
    private int _released;

    internal AdmissionTicket(AdmissionGate gate, IPAddress key, Action evict)
    {
        _gate = gate;
        Key = key;
        Evict = evict;
    }

    internal IPAddress Key { get; }

    internal Action Evict { get; }

    /// <summary>Where the ticket sits among unauthenticated ones; null once its login slot is free.</summary>
    internal LinkedListNode<AdmissionTicket>? Node { get; set; }

    /// <summary>Its login slot went to another address; the connection is being closed.</summary>
    public bool Evicted { get; internal set; }

    /// <summary>The connection logged in: its login slot goes to whoever waits.</summary>
    public void Authenticated() => _gate.Authenticated(this);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _gate.Release(this);
        }
    }
}
