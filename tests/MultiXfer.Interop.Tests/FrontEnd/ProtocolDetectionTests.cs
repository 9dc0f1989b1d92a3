using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MultiXfer.TestKit;
using static MultiXfer.Interop.Tests.FrontEnd.FrontEndSupport;

namespace MultiXfer.Interop.Tests.FrontEnd;

/// <summary>
/// Hostile and awkward first bytes on an "auto" listener, sent from raw sockets: each is closed without a reply and
/// with the reason logged, and afterwards a real client (curl) still works on the same port.
/// </summary>
public sealed class ProtocolDetectionTests
{
    /// <summary>An auto listener that believes PROXY headers from 127.0.0.1 but lets direct clients in too.</summary>
    private static void TrustLoopback(Dictionary<string, string?> settings, string mode = "optional")
    {
        settings["Listeners:auto:ProxyProtocol"] = mode;
        settings["Listeners:auto:TrustedProxies:0"] = "127.0.0.1/32";
    }

    /// <summary>curl lists alice's home on the auto port: the server still serves after what the test did.</summary>
    private static async Task AssertStillServesFtpAsync(TestServer server)
    {
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "alive.txt"), "alive");
        var list = await CurlAsync(NewWorkDirectory(server), null, $"ftp://127.0.0.1:{Text(server.AutoPort)}/");
        AssertOk(list);
        Assert.Contains("alive.txt", list.Output, StringComparison.Ordinal);
    }

    /// <summary>Sends <paramref name="chunks"/> right after connecting, waits for the close; returns what came back and when.</summary>
    private static async Task<(byte[] Received, bool Closed, TimeSpan Elapsed)> SendAndAwaitCloseAsync(int port, TimeSpan timeout,
        params byte[][] chunks)
    {
        using var client = await ConnectAsync(port);
        var clock = Stopwatch.StartNew();
        foreach (byte[] chunk in chunks)
        {
            await client.GetStream().WriteAsync(chunk);
        }

        return await ReadUntilClosedAsync(client, timeout, clock);
    }

    [ClientFact("curl")]
    public async Task Garbage_first_bytes_are_closed_at_once_without_a_reply()
    {
        await using var server = await TestServer.StartAsync();

        var (received, closed, elapsed) = await SendAndAwaitCloseAsync(server.AutoPort, TimeSpan.FromSeconds(5), "GET / HTTP/1.1\r\n"u8.ToArray());

        Assert.True(closed, "still open after 5 s");
        Assert.Empty(received);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"closed after {elapsed}");
        string log = await server.WaitForLogAsync("unrecognised first bytes");
        Assert.Contains("listener auto: connection closed before any protocol: unrecognised first bytes 47", log, StringComparison.Ordinal);
        Assert.DoesNotContain("protocol detected", log, StringComparison.Ordinal);
        await AssertStillServesFtpAsync(server);
    }

    [ClientFact("curl")]
    public async Task A_byte_by_byte_sender_is_closed_at_the_detection_timeout()
    {
        await using var server = await TestServer.StartAsync(s => s["Listeners:auto:DetectionTimeoutMilliseconds"] = "1500");

        using var client = await ConnectAsync(server.AutoPort);
        var clock = Stopwatch.StartNew();
        var reader = ReadUntilClosedAsync(client, TimeSpan.FromSeconds(8), clock);
        // "SSH-" one byte a second: every prefix could still become SSH, so only the timeout ends it.
        foreach (byte b in "SSH-"u8.ToArray())
        {
            try
            {
                await client.GetStream().WriteAsync(new[] { b });
            }
            catch (IOException)
            {
                break; // closed already
            }

            if (await Task.WhenAny(reader, Task.Delay(1000)) == reader)
            {
                break;
            }
        }

        var (received, closed, elapsed) = await reader;
        Assert.True(closed, "still open after 8 s");
        Assert.Empty(received);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(3));
        string log = await server.WaitForLogAsync("first bytes incomplete");
        Assert.Contains("listener auto: connection closed before any protocol: first bytes incomplete after 1500 ms", log, StringComparison.Ordinal);
        await AssertStillServesFtpAsync(server);
    }

    [Fact]
    public async Task A_PROXY_v2_header_split_across_writes_is_reassembled_and_silence_then_means_FTP()
    {
        // With the default 3 s deadline: a silence misjudged as speech (a stale readiness notification, see SocketPeek)
        // used to hold detection until the deadline, and the 220 then never came.
        await using var server = await TestServer.StartAsync(s => TrustLoopback(s, "required"));
        byte[] header = ProxyV2Header(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 40123), new IPEndPoint(IPAddress.Loopback, server.AutoPort));

        using var tcp = await ConnectAsync(server.AutoPort);
        var stream = tcp.GetStream();
        await stream.WriteAsync(header.AsMemory(0, 5));
        await Task.Delay(100);
        await stream.WriteAsync(header.AsMemory(5, 20));
        await Task.Delay(100);
        await stream.WriteAsync(header.AsMemory(25));

        // Then nothing: the client waits for the greeting, as an FTP client does.
        using var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        string? greeting = await reader.ReadLineAsync(timeout.Token);
        Assert.StartsWith("220", greeting, StringComparison.Ordinal);
        await stream.WriteAsync("USER alice\r\n"u8.ToArray());
        Assert.StartsWith("331", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"PASS {TestServer.Passwords["alice"]}\r\n"));
        Assert.StartsWith("230", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);

        await stream.WriteAsync("QUIT\r\n"u8.ToArray());
        Assert.StartsWith("221", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);

        // The session's lines carry the relayed address in their scope, the user's name from login on.
        string log = await server.WaitForLogAsync(" 10.1.2.3 alice] connection closed");
        Assert.Contains("PROXY v2: client 10.1.2.3:40123", log, StringComparison.Ordinal);
        Assert.Contains(log.Split('\n'), l => l.Contains("protocol detected: ftp", StringComparison.Ordinal) && l.Contains(" 10.1.2.3 ", StringComparison.Ordinal));
        Assert.Matches(Scope("10.1.2.3", "alice"), log);
    }

    [Fact]
    public async Task A_PROXY_v2_header_followed_at_once_by_an_SSH_identification_is_SSH_for_the_relayed_client()
    {
        await using var server = await TestServer.StartAsync(s => TrustLoopback(s, "required"));
        byte[] header = ProxyV2Header(new IPEndPoint(IPAddress.Parse("10.4.5.6"), 50000), new IPEndPoint(IPAddress.Loopback, server.AutoPort));

        using var tcp = await ConnectAsync(server.AutoPort);
        var stream = tcp.GetStream();
        // Header and identification in one segment: the header must be consumed exactly, leaving "SSH-" for detection.
        await stream.WriteAsync((byte[])[.. header, .. "SSH-2.0-FrontEndTest\r\n"u8]);
        using var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.StartsWith("SSH-2.0-", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);

        string log = await server.WaitForLogAsync("protocol detected: ssh");
        Assert.Contains(log.Split('\n'), l => l.Contains("protocol detected: ssh", StringComparison.Ordinal) && l.Contains(" 10.4.5.6 ", StringComparison.Ordinal));
    }

    [ClientFact("curl")]
    public async Task Oversized_and_malformed_PROXY_headers_from_a_trusted_source_are_closed_and_the_server_lives_on()
    {
        await using var server = await TestServer.StartAsync(s => TrustLoopback(s));
        var timeout = TimeSpan.FromSeconds(6);
        string RefusedLine(string reason) => "listener auto: connection closed before any protocol: " + reason;

        // v2 announcing 0xFFFF bytes of addresses and TLVs: refused from the length field, without waiting for them.
        byte[] oversized = ProxyV2Header(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1000), new IPEndPoint(IPAddress.Loopback, 21));
        oversized[14] = 0xFF;
        oversized[15] = 0xFF;
        var (received, closed, elapsed) = await SendAndAwaitCloseAsync(server.AutoPort, timeout, oversized);
        Assert.True(closed && received.Length == 0, $"closed {closed}, {received.Length} bytes");
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"closed after {elapsed}");
        string log = await server.WaitForLogAsync("65551 bytes exceeds");
        Assert.Contains(RefusedLine("invalid PROXY header: v2 header of 65551 bytes exceeds the 1024-byte limit"), log, StringComparison.Ordinal);
        await AssertStillServesFtpAsync(server);

        // v2 with version nibble 3.
        byte[] version3 = ProxyV2Header(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1000), new IPEndPoint(IPAddress.Loopback, 21));
        version3[12] = 0x31;
        (received, closed, elapsed) = await SendAndAwaitCloseAsync(server.AutoPort, timeout, version3);
        Assert.True(closed && received.Length == 0, $"closed {closed}, {received.Length} bytes");
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"closed after {elapsed}");
        log = await server.WaitForLogAsync("announces version 3");
        Assert.Contains(RefusedLine("invalid PROXY header: v2 header announces version 3"), log, StringComparison.Ordinal);
        await AssertStillServesFtpAsync(server);

        // v1 with an impossible IPv4 address.
        (received, closed, elapsed) = await SendAndAwaitCloseAsync(server.AutoPort, timeout, "PROXY TCP4 1.2.3.999 127.0.0.1 1000 21\r\n"u8.ToArray());
        Assert.True(closed && received.Length == 0, $"closed {closed}, {received.Length} bytes");
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"closed after {elapsed}");
        log = await server.WaitForLogAsync("not a canonical IPv4 address");
        Assert.Contains(RefusedLine("invalid PROXY header: v1 TCP4 header has an address that is not a canonical IPv4 address"), log,
            StringComparison.Ordinal);
        await AssertStillServesFtpAsync(server);

        // A v1 header that never ends (no CRLF) is refused once it is longer than v1 allows.
        (received, closed, elapsed) = await SendAndAwaitCloseAsync(server.AutoPort, timeout,
            Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 200)));
        Assert.True(closed && received.Length == 0, $"closed {closed}, {received.Length} bytes");
        log = await server.WaitForLogAsync("no CRLF within");
        Assert.Contains(RefusedLine("invalid PROXY header: no CRLF within the first"), log, StringComparison.Ordinal);
        await AssertStillServesFtpAsync(server);

        // A v2 header that stops half-way is closed at the header timeout (3 s by default).
        byte[] half = ProxyV2Header(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1000), new IPEndPoint(IPAddress.Loopback, 21))[..20];
        (received, closed, elapsed) = await SendAndAwaitCloseAsync(server.AutoPort, timeout, half);
        Assert.True(closed && received.Length == 0, $"closed {closed}, {received.Length} bytes");
        Assert.InRange(elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5));
        log = await server.WaitForLogAsync("no complete PROXY header");
        Assert.Contains(RefusedLine("no complete PROXY header within 3 s"), log, StringComparison.Ordinal);
        await AssertStillServesFtpAsync(server);

        Assert.DoesNotContain("session failed unexpectedly", server.ReadLog(), StringComparison.Ordinal);
    }

    /// <summary>A v2 header of exactly <paramref name="total"/> bytes: TCP over IPv4 plus a NOOP TLV (type 0x04) as padding.</summary>
    private static byte[] PaddedV2Header(int total, IPEndPoint source, int destinationPort)
    {
        byte[] header = new byte[total];
        ProxyV2Header(source, new IPEndPoint(IPAddress.Loopback, destinationPort)).CopyTo(header, 0);
        int length = total - 16;
        header[14] = (byte)(length >> 8);
        header[15] = (byte)length;
        int padding = total - 28 - 3;
        header[28] = 0x04;
        header[29] = (byte)(padding >> 8);
        header[30] = (byte)padding;
        return header;
    }

    [Fact]
    public async Task A_PROXY_header_of_exactly_1024_bytes_is_accepted_and_one_of_1025_is_refused()
    {
        // A generous header deadline: this asserts what is accepted, not how fast, and a loaded CI machine is slow.
        await using var server = await TestServer.StartAsync(s =>
        {
            TrustLoopback(s, "required");
            s["Listeners:auto:DetectionTimeoutMilliseconds"] = "15000";
        });

        // 1024 bytes, written in two pieces, then silence: FTP for the relayed 10.7.7.7.
        byte[] largest = PaddedV2Header(1024, new IPEndPoint(IPAddress.Parse("10.7.7.7"), 7000), server.AutoPort);
        using (var tcp = await ConnectAsync(server.AutoPort))
        {
            await tcp.GetStream().WriteAsync(largest.AsMemory(0, 600));
            await Task.Delay(50);
            await tcp.GetStream().WriteAsync(largest.AsMemory(600));
            using var reader = new StreamReader(tcp.GetStream(), Encoding.ASCII, false, 1024, leaveOpen: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            Assert.StartsWith("220", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);
        }

        Assert.Contains("PROXY v2: client 10.7.7.7:7000", await server.WaitForLogAsync("10.7.7.7:7000"), StringComparison.Ordinal);

        byte[] tooLarge = PaddedV2Header(1025, new IPEndPoint(IPAddress.Parse("10.8.8.8"), 8000), server.AutoPort);
        var (received, closed, _) = await SendAndAwaitCloseAsync(server.AutoPort, TimeSpan.FromSeconds(5), tooLarge);
        Assert.True(closed && received.Length == 0, $"closed {closed}, {received.Length} bytes");
        string log = await server.WaitForLogAsync("1025 bytes exceeds");
        Assert.Contains("invalid PROXY header: v2 header of 1025 bytes exceeds the 1024-byte limit", log, StringComparison.Ordinal);
        Assert.DoesNotContain("10.8.8.8", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LOCAL_and_UNKNOWN_headers_leave_the_connection_speaking_for_itself()
    {
        await using var server = await TestServer.StartAsync(s => TrustLoopback(s, "required"));

        // v2 LOCAL (a proxy's own health check): the address block is ignored.
        byte[] local = ProxyV2Header(new IPEndPoint(IPAddress.Parse("10.2.2.2"), 2000), new IPEndPoint(IPAddress.Loopback, server.AutoPort));
        local[12] = 0x20;
        // v1 UNKNOWN: "the receiver must ignore anything presented before the CRLF".
        byte[] unknown = "PROXY UNKNOWN 10.3.3.3 127.0.0.1 3000 21\r\n"u8.ToArray();
        foreach (byte[] header in new[] { local, unknown })
        {
            using var tcp = await ConnectAsync(server.AutoPort);
            await tcp.GetStream().WriteAsync(header);
            using var reader = new StreamReader(tcp.GetStream(), Encoding.ASCII, false, 1024, leaveOpen: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            Assert.StartsWith("220", await reader.ReadLineAsync(timeout.Token), StringComparison.Ordinal);
        }

        string log = await WaitForLinesAsync(server, "without a client address (LOCAL or UNKNOWN)", 2, TimeSpan.FromSeconds(5));
        Assert.Contains("PROXY v2 without a client address (LOCAL or UNKNOWN)", log, StringComparison.Ordinal);
        Assert.Contains("PROXY v1 without a client address (LOCAL or UNKNOWN)", log, StringComparison.Ordinal);
        Assert.DoesNotContain("10.2.2.2", log, StringComparison.Ordinal);
        Assert.DoesNotContain("10.3.3.3", log, StringComparison.Ordinal);
        Assert.Equal(2, log.Split('\n').Count(l => l.Contains("protocol detected: ftp", StringComparison.Ordinal) && l.Contains(" 127.0.0.1 ", StringComparison.Ordinal)));
    }

    [ClientFact("curl", ClientTools.Python)]
    public async Task An_auto_listener_routes_only_to_its_configured_protocols()
    {
        await using var server = await TestServer.StartAsync(s =>
        {
            s["Listeners:auto:Protocols:0"] = "ssh";
            s["Listeners:auto:Protocols:1"] = "ftps-implicit";
        });
        string work = NewWorkDirectory(server);
        await File.WriteAllTextAsync(Path.Combine(server.HomeOf("alice"), "only.txt"), "x");

        // A silent (FTP) client is closed once the silence has decided, without a greeting.
        using (var tcp = await ConnectAsync(server.AutoPort))
        {
            var (received, closed, elapsed) = await ReadUntilClosedAsync(tcp, TimeSpan.FromSeconds(5), Stopwatch.StartNew());
            Assert.True(closed && received.Length == 0, $"closed {closed}, {received.Length} bytes");
            Assert.True(elapsed < TimeSpan.FromSeconds(2), $"closed after {elapsed}");
        }

        Assert.Contains("listener auto: connection closed before any protocol: ftp is not allowed on this listener",
            await server.WaitForLogAsync("ftp is not allowed"), StringComparison.Ordinal);
        var ftp = await CurlAsync(work, null, "--max-time", "10", $"ftp://127.0.0.1:{Text(server.AutoPort)}/");
        Assert.True(ftp.ExitCode != 0, ftp.ToString());

        var ftps = await CurlAsync(work, null, "--insecure", "-o", Path.Combine(work, "only.txt"), $"ftps://127.0.0.1:{Text(server.AutoPort)}/only.txt");
        AssertOk(ftps);
        var ssh = await ParamikoAsync(server, server.AutoPort, IPAddress.Loopback, ["--list", "."]);
        AssertOk(ssh);
        Assert.Contains("only.txt", ssh.Output, StringComparison.Ordinal);
    }

    [ClientFact("curl")]
    public async Task A_PROXY_header_from_an_untrusted_direct_client_is_refused_by_detection()
    {
        // Trusting 127.0.0.1 only: a client on 127.0.0.2 is direct, and may not claim another address.
        await using var server = await TestServer.StartAsync(s => TrustLoopback(s));
        using var client = await ConnectAsync(server.AutoPort, IPAddress.Parse("127.0.0.2"));
        var clock = Stopwatch.StartNew();
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("PROXY TCP4 10.9.9.9 127.0.0.1 1000 21\r\n"));
        var (received, closed, elapsed) = await ReadUntilClosedAsync(client, TimeSpan.FromSeconds(5), clock);
        Assert.True(closed && received.Length == 0, $"closed {closed}, {received.Length} bytes");
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"closed after {elapsed}");
        string log = await server.WaitForLogAsync("does not accept from this address");
        Assert.Contains("listener auto: connection closed before any protocol: a PROXY header, which this listener does not accept from this address",
            log, StringComparison.Ordinal);
        Assert.DoesNotContain("10.9.9.9", log, StringComparison.Ordinal);

        // The same listener still serves direct clients, trusted or not.
        await AssertStillServesFtpAsync(server);
        var fromOther = await CurlAsync(NewWorkDirectory(server), IPAddress.Parse("127.0.0.2"), $"ftp://127.0.0.1:{Text(server.AutoPort)}/");
        AssertOk(fromOther);
        Assert.Matches(Scope("127.0.0.2", "alice"), server.ReadLog());
    }
}
