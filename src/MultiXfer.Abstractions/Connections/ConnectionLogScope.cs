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

    public int Count => 3;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("ConnectionId", ConnectionId),
        1 => new("RemoteAddress", RemoteAddress.ToString()),
        2 => new("User", User),
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
