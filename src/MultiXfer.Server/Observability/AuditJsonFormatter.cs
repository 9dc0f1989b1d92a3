using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;

namespace MultiXfer.Server.Observability;

/// <summary>
/// One audit event per line as a flat JSON object: time (UTC, ISO 8601), event, the connection's fields
/// (connection, client, user, protocol, vhost: "-" outside a connection), then the event's own fields in camelCase.
/// Events from loggers that name no "Event" (the file layer's "{Operation} {Path}") get one derived from their fields.
/// </summary>
internal sealed partial class AuditJsonFormatter : ITextFormatter
{
    private static readonly JsonValueFormatter Values = new(typeTagName: null);

    /// <summary>The message with its strings unquoted, as people read it.</summary>
    private static readonly Serilog.Formatting.Display.MessageTemplateTextFormatter LiteralMessage = new("{Message:l}", CultureInfo.InvariantCulture);

    /// <summary>Properties written under fixed names first, or not at all.</summary>
    private static readonly HashSet<string> Fixed =
        ["Event", "ConnectionId", "RemoteAddress", "User", "Protocol", "VirtualHost", "SourceContext", "EventId", "Line"];

    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write("{\"time\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        output.Write('"');
        WriteField(output, "event", new ScalarValue(EventName(logEvent)));
        WriteField(output, "connection", Property(logEvent, "ConnectionId"));
        WriteField(output, "client", Property(logEvent, "RemoteAddress"));
        WriteField(output, "user", Property(logEvent, "User"));
        WriteField(output, "protocol", Property(logEvent, "Protocol"));
        WriteField(output, "vhost", Property(logEvent, "VirtualHost"));
        foreach (var (name, value) in logEvent.Properties)
        {
            if (!Fixed.Contains(name))
            {
                WriteField(output, char.ToLowerInvariant(name[0]) + name[1..], value);
            }
        }

        if (!logEvent.Properties.ContainsKey("Event"))
        {
            var message = new StringWriter(CultureInfo.InvariantCulture);
            LiteralMessage.Format(logEvent, message);
            WriteField(output, "message", new ScalarValue(message.ToString()));
        }

        output.Write('}');
        output.Write('\n');
    }

    /// <summary>The event's own name, or file.{operation} / file.rename for the file layer, or the logger's event id.</summary>
    private static string EventName(LogEvent logEvent)
    {
        if (Text(logEvent, "Event") is { } named)
        {
            return named;
        }

        switch (Text(logEvent, "SourceContext"))
        {
            case "MultiXfer.Penalties":
                return "penalty";
            case "MultiXfer.Tls" when Text(logEvent, "What") is { } what:
                return "certificate." + what;
            case "MultiXfer.Ssh.HostKeys" when Text(logEvent, "What") is { } what:
                return "host_key." + what;
        }

        if (Text(logEvent, "Operation") is { } operation)
        {
            return "file." + operation;
        }

        if (logEvent.Properties.ContainsKey("From") && logEvent.Properties.ContainsKey("To"))
        {
            return "file.rename";
        }

        return logEvent.Properties.TryGetValue("EventId", out var id) && id is StructureValue structure
            && structure.Properties.FirstOrDefault(p => p.Name == "Name")?.Value is ScalarValue { Value: string eventName }
            ? Dotted(eventName)
            : "log";
    }

    /// <summary>A logging method's name as an event: LogUploadCommitted becomes upload.committed.</summary>
    private static string Dotted(string method)
    {
        string name = method.StartsWith("Log", StringComparison.Ordinal) && method.Length > 3 ? method[3..] : method;
        var words = WordBoundary().Split(name).Select(w => w.ToLowerInvariant()).ToArray();
        return words.Length == 1 ? words[0] : words[0] + "." + string.Join('_', words[1..]);
    }

    private static string? Text(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: string text } ? text : null;

    private static LogEventPropertyValue Property(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) ? value : new ScalarValue("-");

    private static void WriteField(TextWriter output, string name, LogEventPropertyValue value)
    {
        output.Write(',');
        JsonValueFormatter.WriteQuotedJsonString(name, output);
        output.Write(':');
        Values.Format(value, output);
    }

    /// <summary>Where a PascalCase name starts its next word (compiled once: the writer runs it per file-layer event).</summary>
    [System.Text.RegularExpressions.GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])")]
    private static partial System.Text.RegularExpressions.Regex WordBoundary();
}
