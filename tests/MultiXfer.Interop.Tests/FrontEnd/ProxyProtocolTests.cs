using System.Net;
using System.Net.Sockets;
using System.Text;
using MultiXfer.TestKit;
using static MultiXfer.Interop.Tests.FrontEnd.FrontEndSupport;

namespace MultiXfer.Interop.Tests.FrontEnd;

/// <summary>
/// The PROXY protocol behind a real HAProxy (2.6, mode tcp) on loopback with three "hosts": clients come from 127.0.0.5,
/// HAProxy connects to the server from 127.0.0.9 (the only trusted proxy), so every relayed address differs from
/// the proxy's, and the server must act on the relayed one: log scopes, FTP's PORT/EPRT checks and passive data
/// connections (which may themselves come through the proxy with a header of their own).
/// </summary>
public sealed class ProxyProtocolTests
{
    private const string Haproxy = HaproxyProcess.Executable;
    private const string TrustedProxy = "127.0.0.9/32";

    /// <summary>A frontend on 127.0.0.1:<paramref name="port"/> relaying to <paramref name="target"/> with a header, from 127.0.0.9.</summary>
    private static string Relay(string name, int port, int target, string sendProxy) => $"""
        frontend fe_{name}
            bind 127.0.0.1:{Text(port)}
            default_backend be_{name}
        backend be_{name}
            server mx 127.0.0.1:{Text(target)} {sendProxy} source 127.0.0.9
        """;

    private static void TrustProxyOn(Dictionary<string, string?> settings, string listener, string mode = "required", string trusted = TrustedProxy)
    {
        settings[$"Listeners:{listener}:ProxyProtocol"] = mode;
        settings[$"Listeners:{listener}:TrustedProxies:0"] = trusted;
    }

    [ClientFact(Haproxy, "sftp", "curl")]
    public async Task Send_proxy_v2_in_front_of_an_auto_listener_carries_sftp_and_ftp_with_the_clients_address()
    {
        await using var server = await TestServer.StartAsync(s => TrustProxyOn(s, "auto"));
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(Relay("auto", front, server.AutoPort, "send-proxy-v2"));
        string work = NewWorkDirectory(server);
        string home = server.HomeOf("alice");
        byte[] upload = RandomBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), upload);
        await File.WriteAllTextAsync(Path.Combine(home, "served.txt"), "served through haproxy\n");

        var sftp = await SftpBatchAsync(server, front, work, ClientAddress, "put up.bin sftp-up.bin", "get served.txt sftp-got.txt");
        AssertOk(sftp);
        Assert.Equal(upload, await File.ReadAllBytesAsync(Path.Combine(home, "sftp-up.bin")));
        Assert.Equal("served through haproxy\n", await File.ReadAllTextAsync(Path.Combine(work, "sftp-got.txt")));

        // curl's EPSV data connections go straight to the server's passive port (same host), from 127.0.0.5 too
        // (--interface binds them as well): the relayed address is what the passive port waits for.
        string url = $"ftp://127.0.0.1:{Text(front)}/";
        var list = await CurlAsync(work, ClientAddress, url);
        AssertOk(list);
        Assert.Contains("served.txt", list.Output, StringComparison.Ordinal);
        var get = await CurlAsync(work, ClientAddress, "-o", Path.Combine(work, "curl-got.txt"), url + "served.txt");
        AssertOk(get);
        Assert.Equal("served through haproxy\n", await File.ReadAllTextAsync(Path.Combine(work, "curl-got.txt")));

        string log = await server.WaitForLogAsync("protocol detected: ftp");
        Assert.Contains("proxied connection from 127.0.0.9:", log, StringComparison.Ordinal);
        Assert.Contains("PROXY v2: client 127.0.0.5:", log, StringComparison.Ordinal);
        var lines = log.Split('\n');
        Assert.Contains(lines, l => l.Contains("protocol detected: ssh", StringComparison.Ordinal) && l.Contains(" 127.0.0.5 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("protocol detected: ftp", StringComparison.Ordinal) && l.Contains(" 127.0.0.5 ", StringComparison.Ordinal));
        Assert.Matches(Scope("127.0.0.5", "alice"), log);
        Assert.DoesNotMatch(Scope("127.0.0.9", "alice"), log);
        Assert.DoesNotContain("closed before any protocol", log, StringComparison.Ordinal);
    }

    [ClientFact(Haproxy, "curl")]
    public async Task Send_proxy_v1_in_front_of_an_ftp_listener_carries_curl_with_the_clients_address()
    {
        await using var server = await TestServer.StartAsync(s => TrustProxyOn(s, "ftp"));
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(Relay("ftp", front, server.FtpPort, "send-proxy"));
        string work = NewWorkDirectory(server);
        byte[] upload = RandomBytes(200_000);
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), upload);

        string url = $"ftp://127.0.0.1:{Text(front)}/";
        AssertOk(await CurlAsync(work, ClientAddress, "-T", Path.Combine(work, "up.bin"), url + "v1-up.bin"));
        Assert.Equal(upload, await File.ReadAllBytesAsync(Path.Combine(server.HomeOf("alice"), "v1-up.bin")));
        var list = await CurlAsync(work, ClientAddress, url);
        AssertOk(list);
        Assert.Contains("v1-up.bin", list.Output, StringComparison.Ordinal);
        AssertOk(await CurlAsync(work, ClientAddress, "-o", Path.Combine(work, "back.bin"), url + "v1-up.bin"));
        Assert.Equal(upload, await File.ReadAllBytesAsync(Path.Combine(work, "back.bin")));

        string log = server.ReadLog();
        Assert.Contains("proxied connection from 127.0.0.9:", log, StringComparison.Ordinal);
        Assert.Contains("PROXY v1: client 127.0.0.5:", log, StringComparison.Ordinal);
        Assert.Matches(Scope("127.0.0.5", "alice"), log);
        Assert.DoesNotMatch(Scope("127.0.0.9", "alice"), log);

        // The listener now speaks to its proxy only: a direct client is closed without a greeting.
        using var direct = await ConnectAsync(server.FtpPort);
        var (received, closed, _) = await ReadUntilClosedAsync(direct, TimeSpan.FromSeconds(5), System.Diagnostics.Stopwatch.StartNew());
        Assert.True(closed);
        Assert.Empty(received);
        Assert.Contains("PROXY protocol required and 127.0.0.1 is not a trusted proxy", await server.WaitForLogAsync("not a trusted proxy"),
            StringComparison.Ordinal);
    }

    [ClientFact(Haproxy, "sftp", "curl")]
    public async Task Dedicated_ssh_and_implicit_FTPS_listeners_read_the_header_before_their_protocol()
    {
        await using var server = await TestServer.StartAsync(s =>
        {
            TrustProxyOn(s, "ssh");
            TrustProxyOn(s, "ftps");
        });
        int sshFront = HaproxyProcess.FreePort();
        int ftpsFront = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(
            Relay("ssh", sshFront, server.SshPort, "send-proxy") + "\n" + Relay("ftps", ftpsFront, server.FtpsPort, "send-proxy-v2"));
        string work = NewWorkDirectory(server);
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "dedicated.txt"), "dedicated listeners\n");

        AssertOk(await SftpBatchAsync(server, sshFront, work, ClientAddress, "get dedicated.txt via-ssh.txt"));
        Assert.Equal("dedicated listeners\n", await File.ReadAllTextAsync(Path.Combine(work, "via-ssh.txt")));
        AssertOk(await CurlAsync(work, ClientAddress, "--insecure", "-o", Path.Combine(work, "via-ftps.txt"),
            $"ftps://127.0.0.1:{Text(ftpsFront)}/dedicated.txt"));
        Assert.Equal("dedicated listeners\n", await File.ReadAllTextAsync(Path.Combine(work, "via-ftps.txt")));

        string log = server.ReadLog();
        Assert.Contains("PROXY v1: client 127.0.0.5:", log, StringComparison.Ordinal);
        Assert.Contains("PROXY v2: client 127.0.0.5:", log, StringComparison.Ordinal);
        var lines = log.Split('\n');
        Assert.Contains(lines, l => l.Contains("login succeeded for alice over ssh", StringComparison.Ordinal) && l.Contains(" 127.0.0.5 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("login succeeded for alice over ftp", StringComparison.Ordinal) && l.Contains(" 127.0.0.5 ", StringComparison.Ordinal));
        Assert.DoesNotMatch(Scope("127.0.0.9", "alice"), log);
    }

    /// <summary>
    /// HAProxy with a control frontend and a data frontend on 127.0.0.20 over the whole passive range (same port on the
    /// server), both relaying from 127.0.0.9 with v2 headers; the server advertises 127.0.0.20 in PASV.
    /// </summary>
    private static async Task<(TestServer Server, HaproxyProcess Haproxy, int Front, (int First, int Last) Range)> StartPassiveProxyAsync()
    {
        var range = HaproxyProcess.FreePortRange(10);
        var server = await TestServer.StartAsync(s =>
        {
            TrustProxyOn(s, "auto");
            s["Ftp:PassivePorts"] = $"{Text(range.First)}-{Text(range.Last)}";
            s["Ftp:PassiveAddress"] = "127.0.0.20";
        });
        try
        {
            int front = HaproxyProcess.FreePort();
            var haproxy = await HaproxyProcess.StartAsync(Relay("control", front, server.AutoPort, "send-proxy-v2") + "\n" + $"""
                frontend fe_data
                    bind 127.0.0.20:{Text(range.First)}-{Text(range.Last)}
                    default_backend be_data
                backend be_data
                    server mx 127.0.0.1 send-proxy-v2 source 127.0.0.9
                """);
            return (server, haproxy, front, range);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    [ClientFact(Haproxy, ClientTools.Python)]
    public async Task Passive_data_connections_through_the_proxy_are_matched_by_their_own_header()
    {
        var (server, haproxy, front, range) = await StartPassiveProxyAsync();
        await using var serverLifetime = server;
        await using var haproxyLifetime = haproxy;
        string work = NewWorkDirectory(server);
        byte[] upload = RandomBytes(500_000);
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), upload);
        byte[] download = RandomBytes(400_000);
        await File.WriteAllBytesAsync(Path.Combine(server.HomeOf("alice"), "down.bin"), download);

        var result = await FtplibAsync(front, ClientAddress,
            ["--trust-pasv", "--put", Path.Combine(work, "up.bin"), "pasv-up.bin", "--get", "down.bin", Path.Combine(work, "down.bin")]);
        AssertOk(result);
        Assert.Equal(upload, await File.ReadAllBytesAsync(Path.Combine(server.HomeOf("alice"), "pasv-up.bin")));
        Assert.Equal(download, await File.ReadAllBytesAsync(Path.Combine(work, "down.bin")));

        // Both data connections went to HAProxy's data frontend (127.0.0.20), inside the range, from the client's address.
        var data = result.Output.Split('\n').Where(l => l.StartsWith("DATA ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, data.Count);
        foreach (string line in data)
        {
            var match = System.Text.RegularExpressions.Regex.Match(line, @"^DATA \w+ 127\.0\.0\.5:\d+ <-> 127\.0\.0\.20:(\d+)$");
            Assert.True(match.Success, line + "\n" + result);
            Assert.InRange(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), range.First, range.Last);
        }

        string log = server.ReadLog();
        Assert.Matches(Scope("127.0.0.5", "alice"), log);
        Assert.DoesNotContain("refused a data connection", log, StringComparison.Ordinal);
        Assert.Contains("STOR /pasv-up.bin: 500000 bytes", log, StringComparison.Ordinal);
    }

    [ClientFact(Haproxy)]
    public async Task A_passive_port_thief_gets_nothing_whether_direct_or_through_the_proxy()
    {
        var (server, haproxy, front, range) = await StartPassiveProxyAsync();
        await using var serverLifetime = server;
        await using var haproxyLifetime = haproxy;
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "secret.txt"), "for alice only");

        var (client, greeting) = await RawFtpClient.ConnectAsync(front, ClientAddress);
        await using var clientLifetime = client;
        Assert.Equal(220, greeting.Code);
        await client.ExpectAsync("USER alice", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
        await client.ExpectAsync("TYPE I", 200);
        var pasv = await client.ExpectAsync("PASV", 227);
        string[] numbers = pasv.Text[(pasv.Text.IndexOf('(', StringComparison.Ordinal) + 1)..pasv.Text.IndexOf(')', StringComparison.Ordinal)].Split(',');
        Assert.Equal("127,0,0,20", string.Join(',', numbers[..4]));
        int port = (int.Parse(numbers[4], System.Globalization.CultureInfo.InvariantCulture) << 8)
                   + int.Parse(numbers[5], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(port, range.First, range.Last);

        // Thieves first: one straight to the server's real passive port (same number on 127.0.0.1), one through the
        // proxy's data frontend (its header names 127.0.0.6). Only then does the transfer start.
        using var directThief = await ConnectAsync(port, OtherAddress, IPAddress.Loopback);
        using var proxiedThief = await ConnectAsync(port, OtherAddress, IPAddress.Parse("127.0.0.20"));
        await client.SendAsync("RETR secret.txt");
        const string Refused = "refused a data connection from 127.0.0.6:";
        string log = await WaitForLinesAsync(server, Refused, 2, TimeSpan.FromSeconds(10));
        Assert.True(CountLines(log, Refused) == 2, log);

        using var owner = await ConnectAsync(port, ClientAddress, IPAddress.Parse("127.0.0.20"));
        Assert.Equal(150, (await client.ReadAsync()).Code);
        Assert.Equal("for alice only", Encoding.ASCII.GetString(await RawFtpClient.ReadAllAsync(owner)));
        Assert.Equal(226, (await client.ReadAsync()).Code);

        foreach (var thief in new[] { directThief, proxiedThief })
        {
            var (stolen, closed, _) = await ReadUntilClosedAsync(thief, TimeSpan.FromSeconds(5), System.Diagnostics.Stopwatch.StartNew());
            Assert.Empty(stolen);
            Assert.True(closed);
        }

        Assert.Matches(Scope("127.0.0.5", "alice"), server.ReadLog());
    }

    [ClientFact(Haproxy, ClientTools.Python)]
    public async Task PORT_and_EPRT_through_the_proxy_must_name_the_relayed_client_address()
    {
        await using var server = await TestServer.StartAsync(s => TrustProxyOn(s, "ftp"));
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(Relay("ftp", front, server.FtpPort, "send-proxy-v2"));
        string work = NewWorkDirectory(server);
        byte[] upload = RandomBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), upload);

        // ftplib in active mode: its PORT names its control connection's own address, 127.0.0.5.
        var result = await FtplibAsync(front, ClientAddress,
            ["--active", "--put", Path.Combine(work, "up.bin"), "active-up.bin", "--get", "active-up.bin", Path.Combine(work, "back.bin")]);
        AssertOk(result);
        Assert.Equal(upload, await File.ReadAllBytesAsync(Path.Combine(server.HomeOf("alice"), "active-up.bin")));
        Assert.Equal(upload, await File.ReadAllBytesAsync(Path.Combine(work, "back.bin")));
        Assert.Contains("DATA STOR 127.0.0.5:", result.Output, StringComparison.Ordinal);

        // The proxy's address, and the server's side of the loopback, are not the client's: refused, never dialled.
        using var atProxy = new TcpListener(ProxyAddress, 0);
        atProxy.Start();
        int proxyPort = ((IPEndPoint)atProxy.LocalEndpoint).Port;
        using var atLoopback = new TcpListener(IPAddress.Loopback, 0);
        atLoopback.Start();
        int loopbackPort = ((IPEndPoint)atLoopback.LocalEndpoint).Port;
        var (client, _) = await RawFtpClient.ConnectAsync(front, ClientAddress);
        await using var clientLifetime = client;
        await client.ExpectAsync("USER alice", 331);
        await client.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
        Assert.Equal(500, (await client.CommandAsync($"PORT 127,0,0,9,{Text(proxyPort >> 8)},{Text(proxyPort & 255)}")).Code);
        Assert.Equal(425, (await client.CommandAsync("LIST")).Code);
        Assert.Equal(500, (await client.CommandAsync($"EPRT |1|127.0.0.1|{Text(loopbackPort)}|")).Code);
        Assert.Equal(425, (await client.CommandAsync("LIST")).Code);

        // ...while the relayed address is accepted for the same session.
        using var atClient = new TcpListener(ClientAddress, 0);
        atClient.Start();
        int clientPort = ((IPEndPoint)atClient.LocalEndpoint).Port;
        await client.ExpectAsync($"EPRT |1|127.0.0.5|{Text(clientPort)}|", 200);
        await client.SendAsync("NLST");
        using (var data = await atClient.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10)))
        {
            Assert.Equal(150, (await client.ReadAsync()).Code);
            Assert.Contains("active-up.bin", Encoding.UTF8.GetString(await RawFtpClient.ReadAllAsync(data)), StringComparison.Ordinal);
        }

        Assert.Equal(226, (await client.ReadAsync()).Code);

        using var probe = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await atProxy.AcceptTcpClientAsync(probe.Token));
        using var probe2 = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await atLoopback.AcceptTcpClientAsync(probe2.Token));
        string log = server.ReadLog();
        Assert.Contains($"PORT to 127.0.0.9:{Text(proxyPort)} refused", log, StringComparison.Ordinal);
        Assert.Contains($"EPRT to 127.0.0.1:{Text(loopbackPort)} refused", log, StringComparison.Ordinal);
    }

    [ClientFact(Haproxy, "curl")]
    public async Task An_untrusted_proxy_is_refused_where_the_header_is_required()
    {
        await using var server = await TestServer.StartAsync(s => TrustProxyOn(s, "auto", trusted: "127.0.0.77/32"));
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(Relay("auto", front, server.AutoPort, "send-proxy-v2"));
        string work = NewWorkDirectory(server);

        var result = await CurlAsync(work, ClientAddress, "--max-time", "10", $"ftp://127.0.0.1:{Text(front)}/");
        Assert.True(result.ExitCode != 0, result.ToString());
        string log = await server.WaitForLogAsync("not a trusted proxy");
        Assert.Contains("listener auto: connection closed before any protocol: PROXY protocol required and 127.0.0.9 is not a trusted proxy", log,
            StringComparison.Ordinal);
        Assert.DoesNotContain("proxied connection", log, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.5", log, StringComparison.Ordinal);
        Assert.DoesNotMatch(Scope("127.0.0.9", "alice"), log);
    }

    [ClientFact(Haproxy, "curl")]
    public async Task An_untrusted_proxys_header_is_refused_by_detection_on_an_optional_auto_listener_which_direct_clients_still_use()
    {
        await using var server = await TestServer.StartAsync(s => TrustProxyOn(s, "auto", "optional", "127.0.0.77/32"));
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(Relay("auto", front, server.AutoPort, "send-proxy-v2"));
        string work = NewWorkDirectory(server);
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "visible.txt"), "x");

        var proxied = await CurlAsync(work, ClientAddress, "--max-time", "10", $"ftp://127.0.0.1:{Text(front)}/");
        Assert.True(proxied.ExitCode != 0, proxied.ToString());
        string log = await server.WaitForLogAsync("which this listener does not accept");
        Assert.Contains("listener auto: connection closed before any protocol: a PROXY header, which this listener does not accept from this address",
            log, StringComparison.Ordinal);
        Assert.DoesNotContain("proxied connection", log, StringComparison.Ordinal);

        var direct = await CurlAsync(work, null, $"ftp://127.0.0.1:{Text(server.AutoPort)}/");
        AssertOk(direct);
        Assert.Contains("visible.txt", direct.Output, StringComparison.Ordinal);
        Assert.Matches(Scope("127.0.0.1", "alice"), server.ReadLog());
    }

    /// <summary>
    /// A v2 header with TLVs (CRC32c, unique id) must be consumed to its last byte: what follows is a TLS ClientHello
    /// (implicit FTPS) or an SSH identification, which detection must see first.
    /// </summary>
    [ClientFact(Haproxy, "curl", ClientTools.Python)]
    public async Task A_v2_header_with_TLVs_is_consumed_exactly_before_implicit_FTPS_and_SSH()
    {
        await using var server = await TestServer.StartAsync(s => TrustProxyOn(s, "auto"));
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync($$"""
            frontend fe_auto
                bind 127.0.0.1:{{Text(front)}}
                unique-id-format %{+X}o\ %ci:%cp
                default_backend be_auto
            backend be_auto
                server mx 127.0.0.1:{{Text(server.AutoPort)}} send-proxy-v2 proxy-v2-options crc32c,unique-id source 127.0.0.9
            """);
        string work = NewWorkDirectory(server);
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "tlv.txt"), "after the TLVs\n");
        Directory.CreateDirectory(Path.Combine(server.HomeOf("alice"), "tlvdir"));
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "tlvdir", "inside.txt"), "x");

        var ftps = await CurlAsync(work, ClientAddress, "--insecure", "-o", Path.Combine(work, "tlv.txt"), $"ftps://127.0.0.1:{Text(front)}/tlv.txt");
        AssertOk(ftps);
        Assert.Equal("after the TLVs\n", await File.ReadAllTextAsync(Path.Combine(work, "tlv.txt")));
        var paramiko = await ParamikoAsync(server, front, ClientAddress, ["--list", "tlvdir"]);
        AssertOk(paramiko);
        Assert.Contains("LIST tlvdir inside.txt", paramiko.Output, StringComparison.Ordinal);

        string log = server.ReadLog();
        var lines = log.Split('\n');
        Assert.Contains(lines, l => l.Contains("protocol detected: ftps-implicit", StringComparison.Ordinal) && l.Contains(" 127.0.0.5 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("protocol detected: ssh", StringComparison.Ordinal) && l.Contains(" 127.0.0.5 ", StringComparison.Ordinal));
        Assert.DoesNotContain("closed before any protocol", log, StringComparison.Ordinal);
    }

    [ClientFact(Haproxy, "curl", ClientTools.Python)]
    public async Task Optional_mode_believes_the_trusted_proxy_and_still_serves_direct_clients_including_the_proxy_host()
    {
        await using var server = await TestServer.StartAsync(s => TrustProxyOn(s, "auto", "optional"));
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(Relay("auto", front, server.AutoPort, "send-proxy-v2"));
        string work = NewWorkDirectory(server);
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "optional.txt"), "x");

        // Through the proxy: the relayed address.
        var proxied = await CurlAsync(work, ClientAddress, $"ftp://127.0.0.1:{Text(front)}/");
        AssertOk(proxied);
        Assert.Contains("optional.txt", proxied.Output, StringComparison.Ordinal);
        Assert.Matches(Scope("127.0.0.5", "alice"), await server.WaitForLogAsync(" 127.0.0.5 alice]"));

        // Direct from an untrusted address, and direct from the trusted address itself (no header: FTP's silence,
        // SSH's identification): each is its own client.
        var direct = await CurlAsync(work, OtherAddress, $"ftp://127.0.0.1:{Text(server.AutoPort)}/");
        AssertOk(direct);
        var fromProxyHost = await CurlAsync(work, ProxyAddress, $"ftp://127.0.0.1:{Text(server.AutoPort)}/");
        AssertOk(fromProxyHost);
        var sshFromProxyHost = await ParamikoAsync(server, server.AutoPort, ProxyAddress, ["--list", "."]);
        AssertOk(sshFromProxyHost);
        Assert.Contains("optional.txt", sshFromProxyHost.Output, StringComparison.Ordinal);

        string log = server.ReadLog();
        Assert.Matches(Scope("127.0.0.6", "alice"), log);
        Assert.Matches(Scope("127.0.0.9", "alice"), log);
        Assert.Equal(1, CountLines(log, "proxied connection from"));
        Assert.DoesNotContain("closed before any protocol", log, StringComparison.Ordinal);
    }

    /// <summary>An IPv6 client behind an IPv4 proxy connection: v1 "TCP6" and v2 AF_INET6 headers relay ::1.</summary>
    [ClientFact(Haproxy, ClientTools.Python)]
    public async Task An_IPv6_client_is_relayed_over_an_IPv4_proxy_connection_in_both_versions()
    {
        await using var server = await TestServer.StartAsync(s => TrustProxyOn(s, "auto", trusted: "127.0.0.9"));
        int v1Front = HaproxyProcess.FreePort(IPAddress.IPv6Loopback);
        int v2Front = HaproxyProcess.FreePort(IPAddress.IPv6Loopback);
        await using var haproxy = await HaproxyProcess.StartAsync($"""
            frontend fe_v1
                bind [::1]:{Text(v1Front)}
                default_backend be_v1
            backend be_v1
                server mx 127.0.0.1:{Text(server.AutoPort)} send-proxy source 127.0.0.9
            frontend fe_v2
                bind [::1]:{Text(v2Front)}
                default_backend be_v2
            backend be_v2
                server mx 127.0.0.1:{Text(server.AutoPort)} send-proxy-v2 source 127.0.0.9
            """);
        Directory.CreateDirectory(Path.Combine(server.HomeOf("alice"), "six"));
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "six", "ipv6.txt"), "x");

        foreach (int front in new[] { v1Front, v2Front })
        {
            var result = await ParamikoAsync(server, front, IPAddress.IPv6Loopback, ["--list", "six"]);
            AssertOk(result);
            Assert.Contains("LIST six ipv6.txt", result.Output, StringComparison.Ordinal);
        }

        string log = server.ReadLog();
        Assert.Contains("PROXY v1: client [::1]:", log, StringComparison.Ordinal);
        Assert.Contains("PROXY v2: client [::1]:", log, StringComparison.Ordinal);
        Assert.Equal(2, Scope("::1", "alice").Matches(log).Select(m => m.Value).Distinct().Count());
    }

    [ClientFact(Haproxy)]
    public async Task Connection_limits_and_login_throttling_count_the_relayed_address_not_the_proxys()
    {
        // The dedicated FTP listener, which refuses in words (421); an auto listener closes over-limit connections
        // before detection, unanswered.
        await using var server = await TestServer.StartAsync(s =>
        {
            TrustProxyOn(s, "ftp");
            s["Server:MaxConnectionsPerIp"] = "1";
            s["Server:MaxQueuedPerIp"] = "0"; // refused at once rather than queued, to see which address counts
            s["Auth:MaxFailuresPerAddress"] = "2";
        });
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(Relay("ftp", front, server.FtpPort, "send-proxy-v2"));

        // One connection per address: all three arrive from 127.0.0.9, but two different clients are relayed.
        var (first, firstGreeting) = await RawFtpClient.ConnectAsync(front, ClientAddress);
        await using var firstLifetime = first;
        Assert.Equal(220, firstGreeting.Code);
        var (other, otherGreeting) = await RawFtpClient.ConnectAsync(front, OtherAddress);
        await using var otherLifetime = other;
        Assert.Equal(220, otherGreeting.Code);
        var (second, secondGreeting) = await RawFtpClient.ConnectAsync(front, ClientAddress);
        await using var secondLifetime = second;
        Assert.Equal(421, secondGreeting.Code);
        Assert.Contains("TooManyConnectionsFromAddress", await server.WaitForLogAsync("TooManyConnectionsFromAddress"), StringComparison.Ordinal);

        // Two failures ban 127.0.0.6, the relayed address, and nobody else behind the same proxy.
        await other.ExpectAsync("USER alice", 331);
        Assert.Equal(530, (await other.CommandAsync("PASS wrong")).Code);
        await other.ExpectAsync("USER alice", 331);
        Assert.Equal(530, (await other.CommandAsync("PASS wrong again")).Code);
        string log = await server.WaitForLogAsync("banned for");
        Assert.Contains("address 127.0.0.6 banned for", log, StringComparison.Ordinal);
        Assert.DoesNotContain("address 127.0.0.9 banned", log, StringComparison.Ordinal);

        await first.ExpectAsync("USER alice", 331);
        await first.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
    }

    /// <summary>A trusted proxy is never penalised for its clients: the relayed address that misbehaved is.</summary>
    [ClientFact(Haproxy)]
    public async Task Penalties_fall_on_the_relayed_address_never_on_the_trusted_proxy()
    {
        await using var server = await TestServer.StartAsync(s => TrustProxyOn(s, "ftp"));
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(Relay("ftp", front, server.FtpPort, "send-proxy-v2"));
        for (int i = 0; i < 4; i++)
        {
            var (client, _) = await RawFtpClient.ConnectAsync(front, OtherAddress);
            await using var _c = client;
            await client.ExpectAsync("USER alice", 331);
            Assert.Equal(530, (await client.CommandAsync("PASS wrong")).Code);
            await client.ExpectAsync("QUIT", 221);
        }

        string log = await server.WaitForLogAsync("source 127.0.0.6 penalised");
        Assert.Contains("source 127.0.0.6 penalised", log, StringComparison.Ordinal);
        Assert.DoesNotContain("penalty for 127.0.0.9", log, StringComparison.Ordinal);

        // Through the same proxy: the penalised client is cut off (the relay closes), its neighbour logs in.
        Assert.IsType<EndOfStreamException>(await Record.ExceptionAsync(() => RawFtpClient.ConnectAsync(front, OtherAddress)));
        var (welcome, greeting) = await RawFtpClient.ConnectAsync(front, ClientAddress);
        await using var _w = welcome;
        Assert.Equal(220, greeting.Code);
        await welcome.ExpectAsync("USER alice", 331);
        await welcome.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
    }

    [ClientFact(Haproxy, "sftp")]
    public async Task An_authorized_keys_from_pattern_matches_the_relayed_address()
    {
        await using var server = await TestServer.StartAsync(s =>
        {
            TrustProxyOn(s, "auto");
            s["Users:alice:AuthorizedKeys:0"] = $"from=\"127.0.0.5\" {SshTestKeys.ClientPublicKey("id_ed25519")}";
        });
        int front = HaproxyProcess.FreePort();
        await using var haproxy = await HaproxyProcess.StartAsync(Relay("auto", front, server.AutoPort, "send-proxy-v2"));
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "keyed.txt"), "from 127.0.0.5 only\n");

        string work = NewWorkDirectory(server);
        AssertOk(await SftpBatchAsync(server, front, work, ClientAddress, "get keyed.txt"));
        Assert.Equal("from 127.0.0.5 only\n", await File.ReadAllTextAsync(Path.Combine(work, "keyed.txt")));

        string otherWork = NewWorkDirectory(server);
        var refused = await SftpBatchAsync(server, front, otherWork, OtherAddress, "get keyed.txt");
        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.False(File.Exists(Path.Combine(otherWork, "keyed.txt")));
        Assert.Matches(Scope("127.0.0.5", "alice"), server.ReadLog());
    }

    private static byte[] RandomBytes(int count)
    {
        byte[] bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
