using System.Net;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>
/// HOST (RFC 7151): the client names the virtual host it wants before logging in, as HTTP's Host header does. The
/// host's users, root and greeting apply from then on, and a later AUTH TLS without SNI gets its certificate.
/// </summary>
internal static class HostCommand
{
    public static async ValueTask Host(FtpSession session, string argument)
    {
        // §3.1: only before USER; after it (or after login) the realm can no longer change.
        if (session.User is not null || session.PendingUser is not null)
        {
            await session.ReplyAsync(503, "HOST must come before USER.");
            return;
        }

        string name = argument.Trim();
        if (IsAddressLiteral(name))
        {
            // §3.2: an address literal names no virtual host; the listener's own serves it.
            var listenerSite = session.Connection.VirtualHosts?.ForListener(session.Connection.ListenerName) ?? session.Connection.Site;
            if (!await AgreesWithTlsAsync(session, listenerSite))
            {
                return;
            }

            session.Connection.VirtualHost = listenerSite;
            session.RequestedHostName = null;
            await session.ReplyAsync(220, listenerSite.Banner);
            return;
        }

        if (Uri.CheckHostName(name) != UriHostNameType.Dns || name.Length > 253)
        {
            await session.ReplyAsync(501, "HOST needs a domain name or an [address].");
            return;
        }

        if (session.Connection.VirtualHosts?.ForHostName(name) is not { } site)
        {
            await session.ReplyAsync(504, "Unknown virtual host.");
            return;
        }

        if (!await AgreesWithTlsAsync(session, site))
        {
            return;
        }

        session.Connection.VirtualHost = site;
        session.RequestedHostName = name;
        session.LogSiteSelected(site.ToString(), "HOST");
        await session.ReplyAsync(220, site.Banner);
    }

    /// <summary>
    /// §3.3 with TLS: a connection protected for a host name (SNI, or HOST before AUTH) keeps that host; another
    /// would be served under the first one's certificate.
    /// </summary>
    private static async ValueTask<bool> AgreesWithTlsAsync(FtpSession session, MultiXfer.Connections.VirtualHost site)
    {
        if (session.ControlTls?.ServerName is not { } serverName || session.Connection.VirtualHosts?.ForHostName(serverName) is not { } tlsSite ||
            ReferenceEquals(tlsSite, site))
        {
            return true;
        }

        await session.ReplyAsync(504, "HOST does not match the host the TLS session was made for.");
        return false;
    }

    private static bool IsAddressLiteral(string name) =>
        name.Length > 2 && name[0] == '[' && name[^1] == ']' && IPAddress.TryParse(name[1..^1], out _);
}
