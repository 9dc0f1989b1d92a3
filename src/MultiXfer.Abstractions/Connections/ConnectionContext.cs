using System.Net;

namespace MultiXfer.Connections;

/// <summary>
/// One accepted connection as protocols see it: an id, endpoints and a byte stream. Only the transport touches
/// the socket; protocols read and write <see cref="Transport"/>, which a protocol's TLS layer may replace.
/// </summary>
public sealed class ConnectionContext
{
    private readonly CancellationTokenSource _closed;

    /// <summary>Cancelled when the server stops accepting, or when an admin ends this session after its transfer.</summary>
    private readonly CancellationTokenSource _endRequested = new();
    private readonly CancellationTokenRegistration _shutdownLink;

    public ConnectionContext(string id, string listenerName, IPEndPoint localEndPoint, IPEndPoint remoteEndPoint, Stream transport,
        CancellationToken shutdownRequested)
    {
        Id = id;
        ListenerName = listenerName;
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;
        ClientAddress = Normalize(remoteEndPoint.Address);
        Transport = new CountingStream(transport, Activity);
        _shutdownLink = shutdownRequested.UnsafeRegister(static s => Cancel((CancellationTokenSource)s!), _endRequested);
        _closed = new CancellationTokenSource();
        LogScope = new ConnectionLogScope(id, ClientAddress);
    }

    public string Id { get; }

    public string ListenerName { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The TCP peer.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The client as far as policy is concerned: the TCP peer, or the address a trusted PROXY header carried.</summary>
    public IPAddress ClientAddress { get; set; }

    /// <summary>The local address in the family the client uses, for advertising data ports.</summary>
    public IPAddress LocalAddress => Normalize(LocalEndPoint.Address);

    public Stream Transport { get; set; }

    /// <summary>The server name a TLS client asked for (SNI), once a handshake has happened; for virtual hosts.</summary>
    public string? TlsServerName { get; set; }

    /// <summary>The virtual hosts as they were when the connection arrived; later reloads do not change them.</summary>
    public VirtualHostCatalog? VirtualHosts { get; set; }

    /// <summary>
    /// The site this connection serves: the listener's, until the client names another before logging in (TLS SNI,
    /// FTP HOST, SSH user@host).
    /// </summary>
    public VirtualHost? VirtualHost
    {
        get => _virtualHost;
        set
        {
            _virtualHost = value;
            LogScope.VirtualHost = value?.ToString() ?? "default";
        }
    }

    private VirtualHost? _virtualHost;

    /// <summary>The virtual host, which the listener assigns on accept before any protocol runs.</summary>
    public VirtualHost Site => VirtualHost ?? throw new InvalidOperationException("the connection has no virtual host");

    /// <summary>Signalled when the connection is aborted, by the server or by <see cref="Abort"/>.</summary>
    public CancellationToken ConnectionClosed => _closed.Token;

    /// <summary>
    /// Signalled when the server stops accepting, or an admin ends this session: finish what is in flight, then close.
    /// </summary>
    public CancellationToken ShutdownRequested => _endRequested.Token;

    /// <summary>What the session is doing, for the admin API.</summary>
    public SessionActivity Activity { get; } = new();

    /// <summary>The logged-in session's share of its account's limits (a session slot, pacing); freed when the connection is.</summary>
    public MultiXfer.Limits.SessionLimits? Limits { get; set; }

    /// <summary>The logging scope every line about this connection carries: connection id, remote address, user.</summary>
    public ConnectionLogScope LogScope { get; }

    /// <summary>Who records what happens on this connection (audit, xferlog, metrics); the listener sets the server's.</summary>
    public MultiXfer.Observability.IConnectionObserver Observer { get; set; } = MultiXfer.Observability.NoConnectionObserver.Instance;

    /// <summary>A transfer starts: shown in the session list and reported to the observer.</summary>
    public void BeginTransfer(TransferActivity transfer)
    {
        Activity.BeginTransfer(transfer);
        Observer.TransferStarted(this, transfer);
    }

    /// <summary>A transfer begun with <see cref="BeginTransfer"/> ended; its bytes join the session's totals.</summary>
    public void EndTransfer(TransferActivity transfer, MultiXfer.Observability.TransferOutcome outcome)
    {
        Activity.EndTransfer(transfer);
        Observer.TransferEnded(this, transfer, outcome);
    }

    private Action? _onAuthenticated;

    /// <summary>Whether a user logged in on this connection (the login slot it held is free again).</summary>
    public bool IsAuthenticated { get; private set; }

    /// <summary>The worst login failure the protocol reported; null while none.</summary>
    public LoginFailure? WorstLoginFailure { get; private set; }

    /// <summary>The transport's hook for <see cref="MarkAuthenticated"/>: the connection gives its login slot back.</summary>
    public void OnAuthenticated(Action callback) => _onAuthenticated = callback;

    /// <summary>Called by the protocol when a user has logged in.</summary>
    public void MarkAuthenticated()
    {
        if (IsAuthenticated)
        {
            return;
        }

        IsAuthenticated = true;
        _onAuthenticated?.Invoke();
    }

    /// <summary>Called by the protocol on a failed login attempt, an expired login time or a protocol violation.</summary>
    public void RecordLoginFailure(LoginFailure failure)
    {
        if (WorstLoginFailure is not { } worst || failure > worst)
        {
            WorstLoginFailure = failure;
        }
    }

    public void Abort() => Cancel(_closed);

    /// <summary>Ends the session as a shutdown would: the transfer in flight finishes, then the session closes.</summary>
    public void RequestEnd() => Cancel(_endRequested);

    /// <summary>The connection is gone: it stops listening for the server's shutdown.</summary>
    public void Release()
    {
        _shutdownLink.Dispose();
        Limits?.Dispose();
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already torn down.
        }
    }

    /// <summary>IPv4-mapped IPv6 addresses become plain IPv4, so address comparisons mean what they say.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
