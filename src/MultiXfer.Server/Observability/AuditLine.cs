using System.Globalization;
using System.Net;
using System.Text.Json;
using MultiXfer.Connections;

namespace MultiXfer.Server.Observability;

/// <summary>
/// One audit event of a connection, as <see cref="AuditTrail"/> records it: the connection's fields as they stand when
/// it happens (the scope changes at login), formatted by the log writer into the same flat JSON object as
/// <see cref="AuditJsonFormatter"/> writes (time, event, connection, client, user, protocol, vhost, then the details).
/// </summary>
internal sealed class AuditLine : IToolLogLine
{
    private readonly DateTime _utc;
    private readonly string _name;
    private readonly string _connectionId;
    private readonly IPAddress _client;
    private readonly string _user;
    private readonly string _protocol;
    private readonly string _virtualHost;
    private readonly AuditDetail[] _details;

    /// <param name="details">camelCase names; a detail whose value is null is left out.</param>
    public AuditLine(DateTime utc, string name, ConnectionLogScope scope, AuditDetail[] details)
    {
        _utc = utc;
        _name = name;
        _connectionId = scope.ConnectionId;
        _client = scope.RemoteAddress;
        _user = scope.User;
        _protocol = scope.Protocol;
        _virtualHost = scope.VirtualHost;
        _details = details;
    }

    public void WriteTo(ToolLogBatch batch)
    {
        var json = batch.BeginJsonLine();
        json.WriteStartObject();
        Span<char> text = stackalloc char[64];
        json.WriteString("time"u8, Iso8601.UtcMilliseconds(_utc, text));
        json.WriteString("event"u8, _name);
        json.WriteString("connection"u8, _connectionId);
        json.WriteString("client"u8, _client.TryFormat(text, out int written) ? text[..written] : _client.ToString());
        json.WriteString("user"u8, _user);
        json.WriteString("protocol"u8, _protocol);
        json.WriteString("vhost"u8, _virtualHost);
        foreach (var detail in _details)
        {
            switch (detail.Value)
            {
                case null:
                    break;
                case string value:
                    json.WriteString(detail.Name, value);
                    break;
                case long value:
                    json.WriteNumber(detail.Name, value);
                    break;
                case double value:
                    json.WriteNumber(detail.Name, value);
                    break;
                default:
                    json.WriteString(detail.Name, Convert.ToString(detail.Value, CultureInfo.InvariantCulture));
                    break;
            }
        }

        json.WriteEndObject();
        batch.EndJsonLine();
    }
}

/// <summary>One field of an audit event beyond the connection's.</summary>
internal readonly record struct AuditDetail(string Name, object? Value)
{
    public static implicit operator AuditDetail((string Name, object? Value) detail) => new(detail.Name, detail.Value);
}

/// <summary>Timestamps as the audit log writes them.</summary>
internal static class Iso8601
{
    /// <summary>yyyy-MM-ddTHH:mm:ss.fffZ into <paramref name="destination"/> (24 characters), without a format string to parse per call.</summary>
    public static ReadOnlySpan<char> UtcMilliseconds(DateTime utc, Span<char> destination)
    {
        Digits(destination, 0, utc.Year, 4);
        destination[4] = '-';
        Digits(destination, 5, utc.Month, 2);
        destination[7] = '-';
        Digits(destination, 8, utc.Day, 2);
        destination[10] = 'T';
        Digits(destination, 11, utc.Hour, 2);
        destination[13] = ':';
        Digits(destination, 14, utc.Minute, 2);
        destination[16] = ':';
        Digits(destination, 17, utc.Second, 2);
        destination[19] = '.';
        Digits(destination, 20, utc.Millisecond, 3);
        destination[23] = 'Z';
        return destination[..24];
    }

    private static void Digits(Span<char> destination, int at, int value, int width)
    {
        for (int i = at + width - 1; i >= at; i--)
        {
            destination[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }
}
