using System.Collections;
using System.Net;

namespace MultiXfer.Connections;

/// <summary>
/// Logging scope state for one connection. The logger reads it on every line, so the user name appears as soon
/// as the login succeeds without opening another scope.
/// </summary>
public sealed class ConnectionLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    public ConnectionLogScope(string connectionId, IPAddress remoteAddress)
    {
        ConnectionId = connectionId;
        RemoteAddress = remoteAddress;
    }

    public string ConnectionId { get; }

    public IPAddress RemoteAddress { get; set; }

    public string User { get; set; } = "-";

    /// <summary>ftp, ftps, ssh, sftp, scp once known (the audit log's protocol field).</summary>
    public string Protocol { get; set; } = "-";

    /// <summary>The virtual host serving the connection ("default" for the top-level one).</summary>
    public string VirtualHost { get; set; } = "default";

    public int Count => 5;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("ConnectionId", ConnectionId),
        1 => new("RemoteAddress", RemoteAddress.ToString()),
        2 => new("User", User),
        3 => new("Protocol", Protocol),
        4 => new("VirtualHost", VirtualHost),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{ConnectionId} {RemoteAddress} {User}";
}
