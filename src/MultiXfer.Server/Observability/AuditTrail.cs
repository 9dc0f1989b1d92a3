using MultiXfer.Connections;
using MultiXfer.Observability;
using Serilog.Events;
using Serilog.Parsing;

namespace MultiXfer.Server.Observability;

/// <summary>
/// Connections, logins and transfers as audit events (JSON lines through <see cref="AuditJsonFormatter"/>). File
/// changes, admin changes, rotations and penalties reach the same file from their own loggers ("MultiXfer.Audit",
/// "MultiXfer.Penalties"). Each event carries the connection's id, client address, user, protocol and virtual host.
/// Events are built directly (one property list each), as a session may write thousands of them a second.
/// </summary>
internal sealed class AuditTrail(Serilog.ILogger audit) : IConnectionObserver
{
    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse("{Event}");

    public void Opened(ConnectionContext connection) =>
        Write(connection, "connection.open", ("Listener", connection.ListenerName),
            ("LocalAddress", $"{connection.LocalAddress}:{connection.LocalEndPoint.Port}"));

    public void Refused(ConnectionContext connection, string reason) =>
        Write(connection, "connection.refused", ("Listener", connection.ListenerName), ("Reason", reason));

    public void Closed(ConnectionContext connection) =>
        Write(connection, "connection.close", ("BytesReceived", connection.Activity.BytesReceived), ("BytesSent", connection.Activity.BytesSent));

    public void LoginSucceeded(ConnectionContext connection, string user, string method) => Write(connection, "login.success", ("Method", method));

    public void LoginFailed(ConnectionContext connection, string user, string method, string reason) =>
        Write(connection, "login.failure", ("LoginName", LogText.Clean(user)), ("Method", method), ("Reason", reason));

    public void TransferStarted(ConnectionContext connection, TransferActivity transfer)
    {
        if (!transfer.Listing)
        {
            Write(connection, transfer.Upload ? "upload.start" : "download.start", ("Path", transfer.Path), ("Operation", transfer.Operation));
        }
    }

    public void TransferEnded(ConnectionContext connection, TransferActivity transfer, TransferOutcome outcome)
    {
        if (transfer.Listing)
        {
            return;
        }

        string verb = outcome switch
        {
            TransferOutcome.Completed => "complete",
            TransferOutcome.Aborted => "abort",
            _ => "fail",
        };
        string name = $"{(transfer.Upload ? "upload" : "download")}.{verb}";
        double seconds = Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(transfer.StartedTimestamp).TotalSeconds, 3);
        Write(connection, name, ("Path", transfer.Path), ("Operation", transfer.Operation), ("Bytes", transfer.Bytes()),
            ("DurationSeconds", seconds), ("Sha256", outcome == TransferOutcome.Completed ? transfer.Sha256() : null));
    }

    /// <summary>One event; a detail whose value is null is left out.</summary>
    private void Write(ConnectionContext connection, string name, params ReadOnlySpan<(string Name, object? Value)> details)
    {
        var scope = connection.LogScope;
        var properties = new List<LogEventProperty>(6 + details.Length)
        {
            new("Event", new ScalarValue(name)),
            new("ConnectionId", new ScalarValue(scope.ConnectionId)),
            new("RemoteAddress", new ScalarValue(scope.RemoteAddress.ToString())),
            new("User", new ScalarValue(scope.User)),
            new("Protocol", new ScalarValue(scope.Protocol)),
            new("VirtualHost", new ScalarValue(scope.VirtualHost)),
        };
        foreach (var (detail, value) in details)
        {
            if (value is not null)
            {
                properties.Add(new LogEventProperty(detail, new ScalarValue(value)));
            }
        }

        audit.Write(new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, Template, properties));
    }
}
