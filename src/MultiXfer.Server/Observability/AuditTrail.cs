using MultiXfer.Connections;
using MultiXfer.Observability;

namespace MultiXfer.Server.Observability;

/// <summary>
/// Connections, logins and transfers as audit events (JSON lines through <see cref="AuditJsonFormatter"/>). File
/// changes, admin changes, rotations and penalties reach the same file from their own loggers ("MultiXfer.Audit",
/// "MultiXfer.Penalties"). Each event carries the connection's id, client address, user, protocol and virtual host.
/// </summary>
internal sealed class AuditTrail(Serilog.ILogger audit) : IConnectionObserver
{
    public void Opened(ConnectionContext connection) =>
        Write(connection, "connection.open", l => l.ForContext("Listener", connection.ListenerName)
            .ForContext("LocalAddress", $"{connection.LocalAddress}:{connection.LocalEndPoint.Port}"));

    public void Refused(ConnectionContext connection, string reason) =>
        Write(connection, "connection.refused", l => l.ForContext("Listener", connection.ListenerName).ForContext("Reason", reason));

    public void Closed(ConnectionContext connection) =>
        Write(connection, "connection.close", l => l.ForContext("BytesReceived", connection.Activity.BytesReceived)
            .ForContext("BytesSent", connection.Activity.BytesSent));

    public void LoginSucceeded(ConnectionContext connection, string user, string method) =>
        Write(connection, "login.success", l => l.ForContext("Method", method));

    public void LoginFailed(ConnectionContext connection, string user, string method, string reason) =>
        Write(connection, "login.failure", l => l.ForContext("LoginName", MultiXfer.Connections.LogText.Clean(user)).ForContext("Method", method)
            .ForContext("Reason", reason));

    public void TransferStarted(ConnectionContext connection, TransferActivity transfer)
    {
        if (!transfer.Listing)
        {
            Write(connection, transfer.Upload ? "upload.start" : "download.start", l => l.ForContext("Path", transfer.Path)
                .ForContext("Operation", transfer.Operation));
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
        string? sha256 = outcome == TransferOutcome.Completed ? transfer.Sha256() : null;
        Write(connection, $"{(transfer.Upload ? "upload" : "download")}.{verb}", l =>
        {
            var details = l.ForContext("Path", transfer.Path).ForContext("Operation", transfer.Operation).ForContext("Bytes", transfer.Bytes())
                .ForContext("DurationSeconds", Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(transfer.StartedTimestamp).TotalSeconds, 3));
            return sha256 is null ? details : details.ForContext("Sha256", sha256);
        });
    }

    private void Write(ConnectionContext connection, string name, Func<Serilog.ILogger, Serilog.ILogger> details)
    {
        var scope = connection.LogScope;
        details(audit.ForContext("Event", name).ForContext("ConnectionId", scope.ConnectionId)
                .ForContext("RemoteAddress", scope.RemoteAddress.ToString()).ForContext("User", scope.User)
                .ForContext("Protocol", scope.Protocol).ForContext("VirtualHost", scope.VirtualHost))
            .Information("{Event}", name);
    }
}
