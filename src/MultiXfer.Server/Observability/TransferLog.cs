using System.Globalization;
using System.Text;
using MultiXfer.Connections;
using MultiXfer.Observability;

namespace MultiXfer.Server.Observability;

/// <summary>
/// The xferlog (xferlog(5), as wu-ftpd defined it and ProFTPD writes it): one line per completed or aborted file
/// transfer in every protocol, so webalizer, xferstats and other analysers read MultiXfer's transfers as they read
/// ProFTPD's. Fields: current-time transfer-time remote-host file-size filename transfer-type special-action-flag
/// direction access-mode username service-name authentication-method authenticated-user-id completion-status.
/// </summary>
internal sealed class TransferLog(ToolLogWriter file, TimeProvider time) : IConnectionObserver
{
    private static readonly string[] Days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public void TransferEnded(ConnectionContext connection, TransferActivity transfer, TransferOutcome outcome)
    {
        if (!transfer.Listing)
        {
            file.Add(new TextLine(Format(connection, transfer, outcome, time.GetLocalNow())));
        }
    }

    /// <summary>One xferlog line. Time is local, as ProFTPD writes it (the container's zone, UTC unless set).</summary>
    public static string Format(ConnectionContext connection, TransferActivity transfer, TransferOutcome outcome, DateTimeOffset now)
    {
        var user = connection.Activity.User;
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(transfer.StartedTimestamp).TotalSeconds;
        var line = new StringBuilder(160);
        // ctime(3)'s layout, in English whatever the culture: the day of the month space-padded to two characters.
        line.Append(Days[(int)now.DayOfWeek]).Append(' ').Append(Months[now.Month - 1])
            .Append(CultureInfo.InvariantCulture, $" {now.Day,2} {now.Hour:00}:{now.Minute:00}:{now.Second:00} {now.Year}");
        // ProFTPD rounds the transfer time to whole seconds and writes at least 1.
        line.Append(' ').Append(Math.Max(1, (long)Math.Round(seconds)).ToString(CultureInfo.InvariantCulture));
        line.Append(' ').Append(connection.ClientAddress);
        line.Append(' ').Append(transfer.Bytes().ToString(CultureInfo.InvariantCulture));
        line.Append(' ').Append(Field(transfer.Path));
        line.Append(' ').Append(transfer.Ascii ? 'a' : 'b');
        line.Append(" _ ");
        line.Append(transfer.Upload ? 'i' : 'o');
        line.Append(' ').Append(user?.IsAnonymous == true ? 'a' : 'r');
        line.Append(' ').Append(Field(user?.Name ?? "-"));
        line.Append(' ').Append(ServiceName(connection));
        // authentication-method 0 (none: no RFC 931 ident lookup) and no authenticated user id, as ProFTPD.
        line.Append(" 0 * ");
        line.Append(outcome == TransferOutcome.Completed ? 'c' : 'i');
        return line.ToString();
    }

    /// <summary>Fields are separated by spaces, so ProFTPD writes whitespace in names as '_'; control characters too here.</summary>
    private static string Field(string value) => string.Create(value.Length, value, static (span, text) =>
    {
        for (int i = 0; i < text.Length; i++)
        {
            span[i] = char.IsWhiteSpace(text[i]) || char.IsControl(text[i]) ? '_' : text[i];
        }
    });

    private static string ServiceName(ConnectionContext connection) => connection.LogScope.Protocol switch
    {
        MultiXfer.Auth.Protocols.Ftps => "ftps",
        MultiXfer.Auth.Protocols.Sftp => "sftp",
        MultiXfer.Auth.Protocols.Scp => "scp",
        _ => "ftp",
    };
}

/// <summary>A line of text (the xferlog's), written as UTF-8 with a newline.</summary>
internal sealed class TextLine(string text) : IToolLogLine
{
    public void WriteTo(ToolLogBatch batch) => batch.WriteLine(text);
}
