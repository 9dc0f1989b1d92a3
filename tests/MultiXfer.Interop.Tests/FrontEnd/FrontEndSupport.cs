using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.FrontEnd;

/// <summary>
/// Clients for the front-end tests, each able to come from a chosen loopback address (so that an address relayed by a
/// proxy differs from the proxy's own), and to reach any port (an HAProxy frontend, the auto listener).
/// </summary>
internal static class FrontEndSupport
{
    /// <summary>Where the real clients come from.</summary>
    public static readonly IPAddress ClientAddress = IPAddress.Parse("127.0.0.5");

    /// <summary>Another host on loopback, for thieves.</summary>
    public static readonly IPAddress OtherAddress = IPAddress.Parse("127.0.0.6");

    /// <summary>HAProxy's source address towards the server.</summary>
    public static readonly IPAddress ProxyAddress = IPAddress.Parse("127.0.0.9");

    public static string Text(int number) => number.ToString(CultureInfo.InvariantCulture);

    public static void AssertOk(ProcessResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    /// <summary>A line-scope "[id address user]" as the server's log template writes it.</summary>
    public static Regex Scope(string address, string user) => new($@"\[[0-9a-f]+ {Regex.Escape(address)} {Regex.Escape(user)}\]");

    public static string NewWorkDirectory(TestServer server) => SftpTestSupport.NewWorkDirectory(server);

    /// <summary>curl as alice, quiet but with errors shown; <paramref name="from"/> binds its connections (--interface).</summary>
    public static Task<ProcessResult> CurlAsync(string work, IPAddress? from, params string[] arguments)
    {
        List<string> common = ["--silent", "--show-error", "--user", "alice:" + TestServer.Passwords["alice"], "--max-time", "30"];
        if (from is not null)
        {
            common.AddRange(["--interface", from.ToString()]);
        }

        return ProcessRunner.RunAsync("curl", [.. common, .. arguments], TimeSpan.FromSeconds(45), work);
    }

    /// <summary>Python's ftplib as alice from <paramref name="from"/> (Clients/frontend_clients.py).</summary>
    public static Task<ProcessResult> FtplibAsync(int port, IPAddress from, IEnumerable<string> options) =>
        ProcessRunner.RunAsync(ClientTools.Python,
        [
            Script, "ftplib", "127.0.0.1", Text(port), "alice", TestServer.Passwords["alice"], "--source", from.ToString(), .. options,
        ], TimeSpan.FromSeconds(45));

    /// <summary>
    /// paramiko SFTP as alice (key login, host key pinned) over a socket bound to <paramref name="from"/>, to
    /// 127.0.0.1, or to ::1 when <paramref name="from"/> is IPv6.
    /// </summary>
    public static async Task<ProcessResult> ParamikoAsync(TestServer server, int port, IPAddress from, IEnumerable<string> options)
    {
        string host = from.AddressFamily == AddressFamily.InterNetworkV6 ? "::1" : "127.0.0.1";
        string hostKeys = Path.Combine(server.RootDirectory, "frontend_known_hosts.pub");
        if (!File.Exists(hostKeys))
        {
            await File.WriteAllLinesAsync(hostKeys, SshTestKeys.HostKeys.Select(k => SshTestKeys.HostPublicKey(k.File)));
        }

        return await ProcessRunner.RunAsync(ClientTools.Python,
        [
            Script, "paramiko", host, Text(port), "alice", SftpTestSupport.Key, hostKeys, "--source", from.ToString(), .. options,
        ], TimeSpan.FromSeconds(45));
    }

    private static string Script => Path.Combine(AppContext.BaseDirectory, "Clients", "frontend_clients.py");

    /// <summary>
    /// OpenSSH's sftp in batch mode as alice with her ed25519 key, to any port: the host key is pinned under an alias
    /// (so one known_hosts serves every port), and <paramref name="from"/> binds the connection (BindAddress).
    /// </summary>
    public static async Task<ProcessResult> SftpBatchAsync(TestServer server, int port, string work, IPAddress? from, params string[] commands)
    {
        string knownHosts = Path.Combine(server.RootDirectory, "frontend_known_hosts");
        if (!File.Exists(knownHosts))
        {
            await File.WriteAllLinesAsync(knownHosts, SshTestKeys.HostKeys.Select(k => $"multixfer-test {SshTestKeys.HostPublicKey(k.File)}"));
        }

        string batch = work + ".batch";
        await File.WriteAllLinesAsync(batch, commands);
        List<string> arguments =
        [
            "-F", "/dev/null", "-P", Text(port), "-o", "HostKeyAlias=multixfer-test", "-o", $"UserKnownHostsFile={knownHosts}",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
            "-o", "PreferredAuthentications=publickey", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR",
            "-i", SftpTestSupport.Key,
        ];
        if (from is not null)
        {
            arguments.AddRange(["-o", $"BindAddress={from}"]);
        }

        return await ProcessRunner.RunAsync("sftp", [.. arguments, "-b", batch, "alice@127.0.0.1"], TimeSpan.FromSeconds(45), work);
    }

    /// <summary>A TCP connection to 127.0.0.1:<paramref name="port"/> from <paramref name="from"/> (default 127.0.0.1).</summary>
    public static async Task<TcpClient> ConnectAsync(int port, IPAddress? from = null, IPAddress? to = null)
    {
        var client = new TcpClient(AddressFamily.InterNetwork);
        client.Client.Bind(new IPEndPoint(from ?? IPAddress.Loopback, 0));
        await client.ConnectAsync(to ?? IPAddress.Loopback, port);
        return client;
    }

    /// <summary>
    /// Reads until the peer closes (FIN or reset) or <paramref name="timeout"/> passes: what arrived, whether it was
    /// closed, and when (measured from <paramref name="since"/>).
    /// </summary>
    public static async Task<(byte[] Received, bool Closed, TimeSpan Elapsed)> ReadUntilClosedAsync(TcpClient client, TimeSpan timeout,
        Stopwatch since)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                int read = await client.GetStream().ReadAsync(buffer, cts.Token);
                if (read == 0)
                {
                    return (received.ToArray(), true, since.Elapsed);
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return (received.ToArray(), false, since.Elapsed);
        }
        catch (IOException)
        {
            // Reset: the server closed with the peeked bytes still unread.
            return (received.ToArray(), true, since.Elapsed);
        }
    }

    /// <summary>A binary PROXY v2 header (PROXY command, TCP over IPv4) claiming <paramref name="source"/>.</summary>
    public static byte[] ProxyV2Header(IPEndPoint source, IPEndPoint destination)
    {
        byte[] header = new byte[28];
        "\r\n\r\n\0\r\nQUIT\n"u8.CopyTo(header);
        header[12] = 0x21; // version 2, PROXY
        header[13] = 0x11; // AF_INET, STREAM
        header[14] = 0;
        header[15] = 12;
        source.Address.GetAddressBytes().CopyTo(header, 16);
        destination.Address.GetAddressBytes().CopyTo(header, 20);
        header[24] = (byte)(source.Port >> 8);
        header[25] = (byte)source.Port;
        header[26] = (byte)(destination.Port >> 8);
        header[27] = (byte)destination.Port;
        return header;
    }

    /// <summary>The number of lines of the log that contain <paramref name="text"/>.</summary>
    public static int CountLines(string log, string text) =>
        log.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    /// <summary>Polls the log until <paramref name="text"/> occurs on at least <paramref name="count"/> lines.</summary>
    public static async Task<string> WaitForLinesAsync(TestServer server, string text, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string log = server.ReadLog();
            if (CountLines(log, text) >= count || DateTime.UtcNow > deadline)
            {
                return log;
            }

            await Task.Delay(50);
        }
    }
}
