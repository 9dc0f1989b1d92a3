using System.Diagnostics;
using System.Runtime.CompilerServices;
using MultiXfer.Connections;
using MultiXfer.Observability;

namespace MultiXfer.Server.Observability;

/// <summary>
/// OpenTelemetry traces (Telemetry:OtlpEndpoint): a span per session, from the protocol taking the connection to its
/// close, and a child span per file transfer. Tags follow the OpenTelemetry conventions where one exists
/// (client.address, network.transport) and are prefixed multixfer. otherwise; a failed transfer's span is an error.
/// </summary>
internal sealed class TraceObserver : IConnectionObserver
{
    public const string SourceName = "MultiXfer";

    private static readonly ActivitySource Source = new(SourceName);

    private readonly ConditionalWeakTable<ConnectionContext, Activity> _sessions = [];
    private readonly ConditionalWeakTable<TransferActivity, Activity> _transfers = [];

    public void Opened(ConnectionContext connection)
    {
        if (Start("multixfer.session", ActivityKind.Server, default) is { } span)
        {
            span.SetTag("multixfer.connection.id", connection.Id);
            span.SetTag("multixfer.listener", connection.ListenerName);
            span.SetTag("client.address", connection.ClientAddress.ToString());
            span.SetTag("network.transport", "tcp");
            _sessions.AddOrUpdate(connection, span);
        }
    }

    public void Closed(ConnectionContext connection)
    {
        if (_sessions.TryGetValue(connection, out var span))
        {
            _sessions.Remove(connection);
            span.SetTag("multixfer.protocol", connection.LogScope.Protocol);
            span.SetTag("multixfer.bytes_received", connection.Activity.BytesReceived);
            span.SetTag("multixfer.bytes_sent", connection.Activity.BytesSent);
            span.Stop();
        }
    }

    public void LoginSucceeded(ConnectionContext connection, string user, string method)
    {
        if (_sessions.TryGetValue(connection, out var span))
        {
            span.SetTag("multixfer.user", user);
            span.SetTag("multixfer.login.method", method);
            span.SetTag("multixfer.vhost", connection.LogScope.VirtualHost);
        }
    }

    public void LoginFailed(ConnectionContext connection, string user, string method, string reason)
    {
        if (_sessions.TryGetValue(connection, out var span))
        {
            span.AddEvent(new ActivityEvent("login.failure", tags: new ActivityTagsCollection { ["method"] = method, ["reason"] = reason }));
        }
    }

    public void TransferStarted(ConnectionContext connection, TransferActivity transfer)
    {
        if (transfer.Listing || !_sessions.TryGetValue(connection, out var session))
        {
            return;
        }

        if (Start("multixfer.transfer", ActivityKind.Internal, session.Context) is { } span)
        {
            span.SetTag("multixfer.protocol", connection.LogScope.Protocol);
            span.SetTag("multixfer.direction", transfer.Upload ? "upload" : "download");
            span.SetTag("multixfer.operation", transfer.Operation);
            span.SetTag("multixfer.path", transfer.Path);
            _transfers.AddOrUpdate(transfer, span);
        }
    }

    public void TransferEnded(ConnectionContext connection, TransferActivity transfer, TransferOutcome outcome)
    {
        if (!_transfers.TryGetValue(transfer, out var span))
        {
            return;
        }

        _transfers.Remove(transfer);
        span.SetTag("multixfer.bytes", transfer.Bytes());
        span.SetTag("multixfer.outcome", outcome.ToString().ToLowerInvariant());
        if (outcome != TransferOutcome.Completed)
        {
            span.SetStatus(ActivityStatusCode.Error, outcome.ToString());
        }

        span.Stop();
    }

    /// <summary>
    /// Starts a span without making it the ambient one: sessions and transfers end on other tasks than they start on,
    /// so the caller's Activity.Current stays what it was.
    /// </summary>
    private static Activity? Start(string name, ActivityKind kind, ActivityContext parent)
    {
        var previous = Activity.Current;
        var span = Source.StartActivity(name, kind, parent);
        Activity.Current = previous;
        return span;
    }
}
