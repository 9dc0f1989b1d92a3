using System.Net;
using System.Net.Sockets;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Reliability;

/// <summary>
/// Per-source penalties with the default settings (5 s per failed login, 10 s per protocol error, refused from 15 s
/// on): a source that misbehaves is refused at accept in every protocol, others are not, exempt networks never are.
/// The test server exempts 127.0.0.1 only; these tests play other hosts from 127.0.0.x.
/// </summary>
public sealed class PenaltyTests
{
    /// <summary>A TCP connection from <paramref name="from"/>: true when the server closes it before saying anything.</summary>
    private static async Task<bool> ClosedUnansweredAsync(IPAddress from, int port)
    {
        using var client = new TcpClient(new IPEndPoint(from, 0));
        await client.ConnectAsync(IPAddress.Loopback, port);
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            return await client.GetStream().ReadAsync(buffer, timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true; // reset
        }
    }

    private static async Task FailLoginAsync(TestServer server, IPAddress from)
    {
        var (client, greeting) = await RawFtpClient.ConnectAsync(server.FtpPort, from);
        await using var _ = client;
        Assert.Equal(220, greeting.Code);
        await client.ExpectAsync("USER alice", 331);
        Assert.Equal(530, (await client.CommandAsync("PASS wrong")).Code);
        await client.ExpectAsync("QUIT", 221);
    }

    [Fact]
    public async Task Failed_logins_penalise_their_source_in_every_protocol_and_no_other()
    {
        await using var server = await TestServer.StartAsync();
        var offender = IPAddress.Parse("127.0.0.2");
        var neighbour = IPAddress.Parse("127.0.0.3");
        // 5 s each, and time passes between them: the fourth takes the outstanding penalty past 15 s.
        for (int i = 0; i < 4; i++)
        {
            await FailLoginAsync(server, offender);
        }

        string log = await server.WaitForLogAsync("source 127.0.0.2 penalised");
        Assert.Contains("penalty for 127.0.0.2: 5 s for failed authentication", log, StringComparison.Ordinal);
        Assert.Contains("source 127.0.0.2 penalised: its connections are refused for", log, StringComparison.Ordinal);

        // Refused at accept, before any work: no greeting, no SSH identification.
        Assert.True(await ClosedUnansweredAsync(offender, server.FtpPort), "the penalised source got an FTP greeting");
        Assert.True(await ClosedUnansweredAsync(offender, server.SshPort), "the penalised source got an SSH identification");
        Assert.True(await ClosedUnansweredAsync(offender, server.AutoPort), "the penalised source was served on the auto port");

        var (other, greeting) = await RawFtpClient.ConnectAsync(server.FtpPort, neighbour);
        await using var _ = other;
        Assert.Equal(220, greeting.Code);
        await other.ExpectAsync("USER alice", 331);
        await other.ExpectAsync("PASS " + TestServer.Passwords["alice"], 230);
    }

    [Fact]
    public async Task Protocol_errors_before_login_penalise_their_source_and_exempt_networks_are_spared()
    {
        await using var server = await TestServer.StartAsync(s => s["Penalties:Exempt:1"] = "127.0.0.32/27");
        var garbage = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();
        foreach (var from in new[] { IPAddress.Parse("127.0.0.4"), IPAddress.Parse("127.0.0.40") })
        {
            for (int i = 0; i < 2; i++)
            {
                using var client = new TcpClient(new IPEndPoint(from, 0));
                await client.ConnectAsync(IPAddress.Loopback, server.SshPort);
                await client.GetStream().WriteAsync(garbage);
                var buffer = new byte[1024];
                while (await client.GetStream().ReadAsync(buffer) > 0)
                {
                }
            }
        }

        await server.WaitForLogAsync("source 127.0.0.4 penalised");
        Assert.True(await ClosedUnansweredAsync(IPAddress.Parse("127.0.0.4"), server.SshPort));
        var (exempt, greeting) = await RawFtpClient.ConnectAsync(server.FtpPort, IPAddress.Parse("127.0.0.40"));
        await exempt.DisposeAsync();
        Assert.Equal(220, greeting.Code);
        Assert.DoesNotContain("penalty for 127.0.0.40", server.ReadLog(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A TCP health check (connect, close) on an auto port costs its source 1 s, garbage 10 s: probes every half
    /// second never get a monitor refused, two garbage connections get their source refused.
    /// </summary>
    [Fact]
    public async Task Health_checks_that_just_close_are_not_protocol_errors()
    {
        await using var server = await TestServer.StartAsync();
        var monitor = IPAddress.Parse("127.0.0.50");
        for (int i = 0; i < 8; i++)
        {
            using (var probe = new TcpClient(new IPEndPoint(monitor, 0)))
            {
                await probe.ConnectAsync(IPAddress.Loopback, server.AutoPort);
            }

            await Task.Delay(500);
        }

        await server.WaitForLogAsync("closed before sending anything recognisable");
        var (client, greeting) = await RawFtpClient.ConnectAsync(server.AutoPort, monitor);
        await client.DisposeAsync();
        Assert.Equal(220, greeting.Code);
        Assert.DoesNotContain("source 127.0.0.50 penalised", server.ReadLog(), StringComparison.Ordinal);
        Assert.Contains("penalty for 127.0.0.50: 1 s for connection without a login", server.ReadLog(), StringComparison.Ordinal);

        var vandal = IPAddress.Parse("127.0.0.51");
        for (int i = 0; i < 2; i++)
        {
            using var garbage = new TcpClient(new IPEndPoint(vandal, 0));
            await garbage.ConnectAsync(IPAddress.Loopback, server.AutoPort);
            await garbage.GetStream().WriteAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
            while (await garbage.GetStream().ReadAsync(new byte[64]) > 0)
            {
            }
        }

        await server.WaitForLogAsync("source 127.0.0.51 penalised");
        Assert.True(await ClosedUnansweredAsync(vandal, server.AutoPort));
    }
}
