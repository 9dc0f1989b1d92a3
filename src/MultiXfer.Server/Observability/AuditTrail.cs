using MultiXfer.Connections;
using MultiXfer.Observability;

namespace MultiXfer.Server.Observability;

/// <summary>
/// Connections, logins and transfers as audit events (JSON lines, <see cref="AuditLine"/>). File changes, admin
/// changes, rotations and penalties reach the same file from their own loggers ("MultiXfer.Audit",
/// "MultiXfer.Penalties"). Each event carries the connection's id, client address, user, protocol and virtual host.
/// Events go to the log writer as they are, not as Serilog events, as a session may write thousands of them a second.
/// </summary>
internal sealed class AuditTrail(ToolLogWriter audit, TimeProvider time) : IConnectionObserver
{
    public void Opened(ConnectionContext connection) =>
        Write(connection, "connection.open", ("listener", connection.ListenerName),
            ("localAddress", $"{connection.LocalAddress}:{connection.LocalEndPoint.Port}"));

    public void Refused(ConnectionContext connection, string reason) =>
        Write(connection, "connection.refused", ("listener", connection.ListenerName), ("reason", reason));

    public void Closed(ConnectionContext connection) =>
        Write(connection, "connection.close", ("bytesReceived", connection.Activity.BytesReceived), ("bytesSent", connection.Activity.BytesSent));

    public void LoginSucceeded(ConnectionContext connection, string user, string method) => Write(connection, "login.success", ("method", method));

    public void LoginFailed(ConnectionContext connection, string user, string method, string reason) =>
        Write(connection, "login.failure", ("loginName", LogText.Clean(user)), ("method", method), ("reason", reason));

    public void TransferStarted(ConnectionContext connection, TransferActivity transfer)
    {
        if (!transfer.Listing)
        {
            Write(connection, transfer.Upload ? "upload.start" : "download.start", ("path", transfer.Path), ("operation", transfer.Operation));
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
        Write(connection, name, ("path", transfer.Path), ("operation", transfer.Operation), ("bytes", transfer.Bytes()),
            ("durationSeconds", seconds), ("sha256", outcome == TransferOutcome.Completed ? transfer.Sha256() : null));
    }

    /// <summary>One event; a detail whose value is null is left out.</summary>
    private void Write(ConnectionContext connection, string name, params AuditDetail[] details) =>
        audit.Add(new AuditLine(time.GetUtcNow().UtcDateTime, name, connection.LogScope, details));
}
