using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using MultiXfer.Connections;
using MultiXfer.Observability;
using MultiXfer.Transport;

namespace MultiXfer.Server.Observability;

/// <summary>
/// Connections, logins and transfers as metrics (Kestrel's pattern: one class owns its instruments, created once from
/// the host's meter factory; tags from small fixed sets, never a user name). Bytes are counted without touching the
/// data path: live transfers are registered at their start, and each scrape adds what every one moved since the last
/// (read from the counter the protocol keeps anyway), so a long transfer shows its rate while it runs.
/// </summary>
internal sealed class ConnectionMetrics : IConnectionObserver
{
    public const string MeterName = "MultiXfer";

    private readonly Counter<long> _opened;
    private readonly Counter<long> _refused;
    private readonly UpDownCounter<long> _open;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _transfersStarted;
    private readonly Counter<long> _transfers;
    private readonly Histogram<double> _duration;

    /// <summary>Transfers in flight and the bytes already counted of each; the lock also covers the totals.</summary>
    private readonly Dictionary<TransferActivity, (TransferTags Tags, long Counted)> _live = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<TransferTags, long> _bytes = [];
    private readonly Lock _lock = new();
    private readonly ConnectionTracker _tracker;

    public ConnectionMetrics(IMeterFactory meters, ConnectionTracker tracker, OperatorLogs logs)
    {
        _tracker = tracker;
        var meter = meters.Create(MeterName);
        meter.CreateObservableCounter("multixfer.log.events.dropped", () => new[]
        {
            new Measurement<long>(logs.Dropped.Audit, new KeyValuePair<string, object?>("log", "audit")),
            new Measurement<long>(logs.Dropped.Transfers, new KeyValuePair<string, object?>("log", "xferlog")),
        }, "{event}", "Audit and xferlog events dropped because the disk fell behind (the buffer was full)");
        // The runtime's own meter (System.Runtime) has GC, heap and thread pool figures, but not descriptors.
        meter.CreateObservableGauge("multixfer.process.open_descriptors", OpenDescriptors, "{descriptor}",
            "File descriptors the process holds (sockets included)");
        _opened = meter.CreateCounter<long>("multixfer.connections.opened", "{connection}",
            "Connections admitted and handed to a protocol, by listener and protocol");
        _refused = meter.CreateCounter<long>("multixfer.connections.refused", "{connection}",
            "Connections turned away before a protocol ran, by listener and reason");
        _open = meter.CreateUpDownCounter<long>("multixfer.connections.active", "{connection}", "Open connections, by listener");
        meter.CreateObservableGauge("multixfer.sessions.active", ObserveSessions, "{session}",
            "Logged-in sessions, by protocol (ftp, ftps, ssh, sftp, scp) and virtual host");
        _logins = meter.CreateCounter<long>("multixfer.logins", "{login}",
            "Login attempts, by protocol, method, result and reason");
        _transfersStarted = meter.CreateCounter<long>("multixfer.transfers.started", "{transfer}",
            "File transfers begun, by protocol, direction and virtual host");
        _transfers = meter.CreateCounter<long>("multixfer.transfers", "{transfer}",
            "File transfers ended, by protocol, direction, virtual host and result (completed, failed, aborted)");
        meter.CreateObservableCounter("multixfer.transfer.bytes", ObserveBytes, "By",
            "File bytes moved, by protocol, direction and virtual host (in-flight transfers included)");
        _duration = meter.CreateHistogram("multixfer.transfer.duration", "s", "File transfer durations, by protocol, direction and result",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800] });
    }

    public void Opened(ConnectionContext connection)
    {
        _opened.Add(1, new("listener", connection.ListenerName), new("protocol", connection.LogScope.Protocol));
        _open.Add(1, new KeyValuePair<string, object?>("listener", connection.ListenerName));
    }

    public void Refused(ConnectionContext connection, string reason) =>
        _refused.Add(1, new("listener", connection.ListenerName), new("reason", reason));

    public void Closed(ConnectionContext connection) => _open.Add(-1, new KeyValuePair<string, object?>("listener", connection.ListenerName));

    public void LoginSucceeded(ConnectionContext connection, string user, string method) =>
        _logins.Add(1, new("protocol", connection.LogScope.Protocol), new("method", Bounded(method)), new("result", "success"), new("reason", "none"));

    public void LoginFailed(ConnectionContext connection, string user, string method, string reason) =>
        _logins.Add(1, new("protocol", connection.LogScope.Protocol), new("method", Bounded(method)), new("result", "failure"), new("reason", reason));

    public void TransferStarted(ConnectionContext connection, TransferActivity transfer)
    {
        if (transfer.Listing)
        {
            return;
        }

        var tags = TransferTags.Of(connection, transfer);
        _transfersStarted.Add(1, new("protocol", tags.Protocol), new("direction", tags.Direction), new("vhost", tags.VirtualHost));
        lock (_lock)
        {
            _live[transfer] = (tags, 0);
        }
    }

    public void TransferEnded(ConnectionContext connection, TransferActivity transfer, TransferOutcome outcome)
    {
        if (transfer.Listing)
        {
            return;
        }

        TransferTags tags;
        lock (_lock)
        {
            if (!_live.Remove(transfer, out var live))
            {
                return;
            }

            tags = live.Tags;
            Add(tags, transfer.Bytes() - live.Counted);
        }

        string result = outcome switch
        {
            TransferOutcome.Completed => "completed",
            TransferOutcome.Aborted => "aborted",
            _ => "failed",
        };
        var tagList = new TagList { { "protocol", tags.Protocol }, { "direction", tags.Direction }, { "vhost", tags.VirtualHost }, { "result", result } };
        _transfers.Add(1, tagList);
        _duration.Record(Stopwatch.GetElapsedTime(transfer.StartedTimestamp).TotalSeconds,
            new("protocol", tags.Protocol), new("direction", tags.Direction), new("result", result));
    }

    private IEnumerable<Measurement<long>> ObserveBytes()
    {
        lock (_lock)
        {
            foreach (var (transfer, live) in _live.ToList())
            {
                long now = transfer.Bytes();
                Add(live.Tags, now - live.Counted);
                _live[transfer] = (live.Tags, Math.Max(now, live.Counted));
            }

            return _bytes.Select(b => new Measurement<long>(b.Value, new("protocol", b.Key.Protocol), new("direction", b.Key.Direction),
                new("vhost", b.Key.VirtualHost))).ToList();
        }
    }

    private IEnumerable<Measurement<int>> ObserveSessions() =>
        _tracker.Connections.Where(c => c.Activity.User is not null)
            .GroupBy(c => (Protocol: c.Activity.Protocol ?? "-", Site: c.VirtualHost?.ToString() ?? "default"))
            .Select(g => new Measurement<int>(g.Count(), new("protocol", g.Key.Protocol), new("vhost", g.Key.Site)));

    private static int OpenDescriptors()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Called under the lock. Bytes never go back: a counter that fell would read as a restart.</summary>
    private void Add(TransferTags tags, long bytes)
    {
        if (bytes > 0)
        {
            _bytes[tags] = _bytes.GetValueOrDefault(tags) + bytes;
        }
    }

    /// <summary>SSH method names come from the client: anything unknown is counted as "other".</summary>
    private static string Bounded(string method) => method switch
    {
        "password" or "publickey" or "keyboard-interactive" or "none" or "anonymous" or "hostbased" => method,
        "publickey-hostbound-v00@openssh.com" => "publickey",
        _ => "other",
    };

    private readonly record struct TransferTags(string Protocol, string Direction, string VirtualHost)
    {
        public static TransferTags Of(ConnectionContext connection, TransferActivity transfer) =>
            new(connection.LogScope.Protocol, transfer.Upload ? "upload" : "download", connection.VirtualHost?.ToString() ?? "default");
    }
}
