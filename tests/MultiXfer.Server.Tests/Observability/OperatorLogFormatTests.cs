using System.Net;
using System.Text.Json;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Observability;
using MultiXfer.Server.Observability;
using Serilog.Events;
using Serilog.Parsing;

namespace MultiXfer.Server.Tests.Observability;

/// <summary>The xferlog line and the audit log's JSON, field by field.</summary>
public sealed class OperatorLogFormatTests
{
    private static ConnectionContext Connection(string protocol, UserAccount? user)
    {
        var connection = new ConnectionContext("c0ffee001", "main", new IPEndPoint(IPAddress.Loopback, 21),
            new IPEndPoint(IPAddress.Parse("192.0.2.7"), 50123), Stream.Null, CancellationToken.None);
        connection.LogScope.Protocol = protocol;
        connection.Activity.User = user;
        return connection;
    }

    private static UserAccount Alice(bool anonymous = false) => new()
    {
        Name = anonymous ? "anonymous" : "alice",
        Home = VirtualPath.Root,
        Protocols = new HashSet<string> { Protocols.Ftp },
        Permissions = new PermissionRules([], readOnly: false),
        IsAnonymous = anonymous,
    };

    [Theory]
    [InlineData("ftp", false, TransferOutcome.Completed, "Sat Dec  5 01:02:03 2026 1 192.0.2.7 1234 /in/my_file.txt b _ i r alice ftp 0 * c")]
    [InlineData("scp", false, TransferOutcome.Aborted, "Sat Dec  5 01:02:03 2026 1 192.0.2.7 1234 /in/my_file.txt b _ i r alice scp 0 * i")]
    [InlineData("ftps", true, TransferOutcome.Failed, "Sat Dec  5 01:02:03 2026 1 192.0.2.7 1234 /in/my_file.txt b _ i a anonymous ftps 0 * i")]
    public void An_xferlog_line_has_ProFTPDs_fourteen_fields(string protocol, bool anonymous, TransferOutcome outcome, string expected)
    {
        var transfer = new TransferActivity("STOR", "/in/my file.txt", Upload: true, DateTimeOffset.UtcNow, () => 1234, SeparateConnection: true);
        string line = TransferLog.Format(Connection(protocol, Alice(anonymous)), transfer, outcome, new DateTimeOffset(2026, 12, 5, 1, 2, 3, TimeSpan.Zero));
        Assert.Equal(expected, line);
    }

    [Fact]
    public void A_download_in_ASCII_mode_on_a_two_digit_day_is_outgoing_and_type_a()
    {
        var transfer = new TransferActivity("RETR", "/readme", Upload: false, DateTimeOffset.UtcNow, () => 99, SeparateConnection: true) { Ascii = true };
        string line = TransferLog.Format(Connection("ftp", Alice()), transfer, TransferOutcome.Completed, new DateTimeOffset(2026, 11, 23, 9, 8, 7, TimeSpan.Zero));
        Assert.Equal("Mon Nov 23 09:08:07 2026 1 192.0.2.7 99 /readme a _ o r alice ftp 0 * c", line);
    }

    [Fact]
    public void An_audit_line_is_one_flat_JSON_object_with_the_connection_first()
    {
        var properties = new[]
        {
            new LogEventProperty("Operation", new ScalarValue("mkdir")), new LogEventProperty("Path", new ScalarValue("/a \"b\"")),
            new LogEventProperty("ConnectionId", new ScalarValue("c1")), new LogEventProperty("RemoteAddress", new ScalarValue("192.0.2.7")),
            new LogEventProperty("User", new ScalarValue("alice")), new LogEventProperty("Protocol", new ScalarValue("sftp")),
            new LogEventProperty("VirtualHost", new ScalarValue("default")), new LogEventProperty("SourceContext", new ScalarValue("MultiXfer.Audit")),
        };
        var logEvent = new LogEvent(new DateTimeOffset(2026, 12, 5, 1, 2, 3, 456, TimeSpan.FromHours(1)), LogEventLevel.Information, null,
            new MessageTemplateParser().Parse("{Operation} {Path}"), properties);
        var output = new StringWriter();
        new AuditJsonFormatter().Format(logEvent, output);

        string text = output.ToString();
        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["time", "event", "connection", "client", "user", "protocol", "vhost", "operation", "path", "message"],
            json.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(("2026-12-05T00:02:03.456Z", "file.mkdir", "c1", "/a \"b\"", "mkdir /a \"b\""),
            (json.GetProperty("time").GetString(), json.GetProperty("event").GetString(), json.GetProperty("connection").GetString(),
                json.GetProperty("path").GetString(), json.GetProperty("message").GetString()));
    }

    [Fact]
    public void A_connection_event_is_the_same_flat_JSON_object_with_its_details_after_the_connection()
    {
        var connection = Connection("sftp", Alice());
        connection.LogScope.User = "al\"ice ü";
        var line = new AuditLine(new DateTime(2026, 12, 5, 1, 2, 3, 45, DateTimeKind.Utc), "download.complete", connection.LogScope,
            [("path", "/a\nb"), ("bytes", 1234L), ("durationSeconds", 0.25), ("sha256", null)]);
        connection.LogScope.User = "changed later"; // the event keeps the fields as they stood when it happened
        var batch = new ToolLogBatch();
        line.WriteTo(batch);
        line.WriteTo(batch);

        string text = System.Text.Encoding.UTF8.GetString(batch.WrittenSpan);
        string[] lines = text.Split('\n');
        Assert.Equal(3, lines.Length); // two lines, each ended by a newline
        Assert.Equal(lines[0], lines[1]);
        Assert.Contains("ü", lines[0], StringComparison.Ordinal); // UTF-8 as it is, not \u escapes
        var json = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(["time", "event", "connection", "client", "user", "protocol", "vhost", "path", "bytes", "durationSeconds"],
            json.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(("2026-12-05T01:02:03.045Z", "download.complete", "c0ffee001", "192.0.2.7", "al\"ice ü", "sftp", "/a\nb"),
            (json.GetProperty("time").GetString(), json.GetProperty("event").GetString(), json.GetProperty("connection").GetString(),
                json.GetProperty("client").GetString(), json.GetProperty("user").GetString(), json.GetProperty("protocol").GetString(),
                json.GetProperty("path").GetString()));
        Assert.Equal(1234, json.GetProperty("bytes").GetInt64());
        Assert.Equal(0.25, json.GetProperty("durationSeconds").GetDouble());
    }
}
