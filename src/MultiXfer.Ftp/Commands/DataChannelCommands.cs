using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MultiXfer.Connections;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Data;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp.Commands;

/// <summary>
/// Data connection set-up: PORT and PASV (RFC 959), EPRT and EPSV (RFC 2428). Active mode only ever connects to
/// the control connection's own client address on a port of 1024 or more (no FTP bounce, CVE-1999-0017);
/// passive mode only accepts that same client (no port theft, CVE-1999-0351).
/// </summary>
internal static class DataChannelCommands
{
    private static readonly FtpReply IllegalPort = new(500, "Illegal PORT command.");

    public static async ValueTask Port(FtpSession session, string argument)
    {
        if (!await CheckActiveAllowedAsync(session))
        {
            return;
        }

        string[] parts = argument.Split(',', StringSplitOptions.TrimEntries);
        var bytes = new byte[6];
        if (parts.Length != 6 || !parts.Select((p, i) => byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i])).All(ok => ok))
        {
            await session.ReplyAsync(Replies.SyntaxErrorInArguments);
            return;
        }

        var target = new IPEndPoint(new IPAddress(bytes.AsSpan(0, 4)), (bytes[4] << 8) | bytes[5]);
        await SetActiveAsync(session, target, "PORT");
    }

    public static async ValueTask ExtendedPort(FtpSession session, string argument)
    {
        if (!await CheckActiveAllowedAsync(session))
        {
            return;
        }

        // RFC 2428 section 2: <d><net-prt><d><net-addr><d><tcp-port><d>, any printable delimiter.
        if (argument.Length < 7 || argument[0] is < '!' or > '~')
        {
            await session.ReplyAsync(Replies.SyntaxErrorInArguments);
            return;
        }

        string[] fields = argument.Split(argument[0]);
        if (fields.Length != 5 || fields[0].Length != 0 || fields[4].Length != 0)
        {
            await session.ReplyAsync(Replies.SyntaxErrorInArguments);
            return;
        }

        var family = fields[1] switch
        {
            "1" => AddressFamily.InterNetwork,
            "2" => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (family == AddressFamily.Unknown)
        {
            await session.ReplyAsync(522, "Network protocol not supported, use (1,2).");
            return;
        }

        if (!IPAddress.TryParse(fields[2], out var address) || address.AddressFamily != family ||
            !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            await session.ReplyAsync(Replies.SyntaxErrorInArguments);
            return;
        }

        await SetActiveAsync(session, new IPEndPoint(address, port), "EPRT");
    }

    private static async ValueTask<bool> CheckActiveAllowedAsync(FtpSession session)
    {
        if (session.EpsvAllOnly)
        {
            await session.ReplyAsync(Replies.EpsvAllInEffect);
            return false;
        }

        if (!session.Server.Ftp.AllowActive)
        {
            await session.ReplyAsync(502, "Active mode is disabled; use PASV or EPSV.");
            return false;
        }

        return true;
    }

    private static async ValueTask SetActiveAsync(FtpSession session, IPEndPoint target, string verb)
    {
        var client = session.Connection.ClientAddress;
        if (!ConnectionContext.Normalize(target.Address).Equals(client) || target.Port < 1024)
        {
            session.LogRefusedDataTarget(verb, target.ToString());
            await session.ReplyAsync(IllegalPort);
            return;
        }

        await session.SetDataEndpointAsync(new ActiveEndpoint(session.Connection.LocalAddress, target));
        await session.ReplyAsync(200, $"{verb} command successful. Consider using EPSV.");
    }

    public static async ValueTask Passive(FtpSession session, string argument)
    {
        if (session.EpsvAllOnly)
        {
            await session.ReplyAsync(Replies.EpsvAllInEffect);
            return;
        }

        var local = session.Connection.LocalAddress;
        var advertised = session.Connection.Site.PassiveAddress ?? session.Server.PassiveAddress ?? local;
        if (advertised.AddressFamily != AddressFamily.InterNetwork || local.AddressFamily != AddressFamily.InterNetwork)
        {
            await session.ReplyAsync(425, "PASV carries IPv4 only; use EPSV.");
            return;
        }

        if (await ListenAsync(session) is not { } endpoint)
        {
            return;
        }

        byte[] a = advertised.GetAddressBytes();
        await session.ReplyAsync(227, $"Entering Passive Mode ({a[0]},{a[1]},{a[2]},{a[3]},{endpoint.Port >> 8},{endpoint.Port & 0xFF}).");
    }

    public static async ValueTask ExtendedPassive(FtpSession session, string argument)
    {
        string wanted = argument.Trim().ToUpperInvariant();
        if (wanted == "ALL")
        {
            session.EpsvAllOnly = true;
            await session.ReplyAsync(200, "EPSV ALL ok.");
            return;
        }

        var family = session.Connection.LocalAddress.AddressFamily;
        string own = family == AddressFamily.InterNetwork ? "1" : "2";
        if (wanted.Length > 0 && wanted != own)
        {
            await session.ReplyAsync(522, $"Network protocol not supported, use ({own}).");
            return;
        }

        if (await ListenAsync(session) is { } endpoint)
        {
            await session.ReplyAsync(229, $"Entering Extended Passive Mode (|||{endpoint.Port}|).");
        }
    }

    private static async ValueTask<PassiveEndpoint?> ListenAsync(FtpSession session)
    {
        try
        {
            // The previous PASV's port is released first, so re-issuing PASV never counts twice against the cap.
            await session.CloseDataEndpointAsync();
            var listener = session.Server.PassivePorts.Listen(session.Connection.LocalAddress, session.Connection.ClientAddress,
                TimeSpan.FromSeconds(session.Server.Ftp.DataConnectTimeoutSeconds));
            if (listener is null)
            {
                session.LogPassiveExhausted("this client holds its share of passive ports");
                await session.ReplyAsync(425, "Too many passive ports open from your address.");
                return null;
            }

            var endpoint = new PassiveEndpoint(listener, session.Connection.ClientAddress, session.Policy.Proxy,
                peer => session.LogForeignDataPeer(peer.ToString()));
            await session.SetDataEndpointAsync(endpoint);
            return endpoint;
        }
        catch (SocketException e)
        {
            session.LogPassiveExhausted(e.SocketErrorCode.ToString());
            await session.ReplyAsync(425, "Cannot open passive connection.");
            return null;
        }
    }
}
