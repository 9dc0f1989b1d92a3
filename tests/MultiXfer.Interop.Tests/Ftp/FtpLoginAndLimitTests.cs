using System.Net;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>What an FTP client may do before login, and the limits that protect the server from the unauthenticated.</summary>
public sealed class FtpLoginAndLimitTests
{
    private static readonly IPAddress OtherHost = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task Only_the_login_and_discovery_commands_work_before_login()
    {
        await using var server = await TestServer.StartAsync();
        var (client, greeting) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _ = client;
        Assert.Equal(220, greeting.Code);
        Assert.Contains("MultiXfer ready", greeting.Text);

        // Nine refusals: a tenth bad command would close the connection (see the next test).
        foreach (string command in new[] { "RETR x", "STOR x", "LIST", "PORT 127,0,0,1,4,1", "PASV", "MKD d", "DELE x",
                     "SITE CPFR /etc/passwd", "CWD /" })
        {
            Assert.Equal(530, (await client.CommandAsync(command)).Code);
        }

        Assert.Equal(215, (await client.CommandAsync("SYST")).Code);
        Assert.Equal(200, (await client.CommandAsync("NOOP")).Code);
        Assert.Equal(211, (await client.CommandAsync("FEAT")).Code);
        Assert.Equal(214, (await client.CommandAsync("HELP")).Code);
        Assert.Equal(200, (await client.CommandAsync("OPTS UTF8 ON")).Code);
        Assert.Equal(221, (await client.CommandAsync("QUIT")).Code);
    }

    [Fact]
    public async Task Ten_bad_commands_before_login_close_the_connection()
    {
        await using var server = await TestServer.StartAsync();
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        for (int i = 1; i < 10; i++)
        {
            var reply = await client.CommandAsync(i % 2 == 0 ? "RETR /etc/passwd" : "BOGUS");
            Assert.True(reply.Code is 500 or 530, reply.Text);
        }

        // The tenth gets its own answer, then the goodbye.
        Assert.Equal(500, (await client.CommandAsync("GET / HTTP/1.1")).Code);
        Assert.Equal(421, (await client.ReadAsync()).Code);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Unknown_commands_are_never_echoed()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        var reply = await client.CommandAsync("XYZZY secret-marker-4711");
        Assert.Equal(500, reply.Code);
        Assert.DoesNotContain("XYZZY", reply.Text);
        Assert.DoesNotContain("secret-marker", reply.Text);
        var site = await client.CommandAsync("SITE EXEC secret-marker-4712");
        Assert.Equal(500, site.Code);
        Assert.DoesNotContain("secret-marker", site.Text);
    }

    [Fact]
    public async Task Unknown_users_and_wrong_passwords_get_identical_replies()
    {
        await using var server = await TestServer.StartAsync();
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        var knownUser = await client.CommandAsync("USER alice");
        var wrongPassword = await client.CommandAsync("PASS wrong");
        var unknownUser = await client.CommandAsync("USER nobody-here");
        var unknownPassword = await client.CommandAsync("PASS wrong");
        Assert.Equal(knownUser.Text, unknownUser.Text);
        Assert.Equal(530, wrongPassword.Code);
        Assert.Equal(wrongPassword.Text, unknownPassword.Text);
        Assert.Equal(503, (await client.CommandAsync("PASS again-without-user")).Code);
    }

    [Fact]
    public async Task A_password_over_1024_bytes_is_refused_before_hashing()
    {
        await using var server = await TestServer.StartAsync();
        var (client, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _c = client;
        await client.ExpectAsync("USER alice", 331);
        var started = DateTime.UtcNow;
        Assert.Equal(530, (await client.CommandAsync("PASS " + new string('p', 1025))).Code);
        Assert.Contains("password longer than 1024 bytes", server.ReadLog());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Repeated_failures_throttle_that_address_and_no_other()
    {
        await using var server = await TestServer.StartAsync(c => c["Auth:MaxFailuresPerAddress"] = "3");
        var (attacker, _) = await RawFtpClient.ConnectAsync(server.FtpPort, OtherHost);
        await using var _a = attacker;
        for (int i = 0; i < 3; i++)
        {
            await attacker.ExpectAsync("USER alice", 331);
            Assert.Equal(530, (await attacker.CommandAsync("PASS guess" + i)).Code);
        }

        await attacker.ExpectAsync("USER alice", 331);
        Assert.Equal(421, (await attacker.CommandAsync("PASS " + TestServer.Passwords["alice"])).Code);

        // A new connection from the banned address is refused at once; 127.0.0.1 is unaffected.
        var (again, greeting) = await RawFtpClient.ConnectAsync(server.FtpPort, OtherHost);
        await using var _g = again;
        Assert.Equal(421, greeting.Code);
        Assert.True(await again.IsClosedAsync(TimeSpan.FromSeconds(5)));
        await using var fine = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Equal(257, (await fine.CommandAsync("PWD")).Code);
        Assert.Contains("banned", server.ReadLog());
    }

    [Fact]
    public async Task Login_times_out_and_idle_sessions_time_out()
    {
        await using var server = await TestServer.StartAsync(c =>
        {
            c["Server:LoginTimeoutSeconds"] = "2";
            c["Server:IdleTimeoutSeconds"] = "3";
        });
        var (silent, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        await using var _s = silent;
        var timeout = await silent.ReadAsync(TimeSpan.FromSeconds(6));
        Assert.Equal(421, timeout.Code);
        Assert.True(await silent.IsClosedAsync(TimeSpan.FromSeconds(3)));

        await using var idle = await RawFtpClient.LoginAsync(server.FtpPort);
        Assert.Equal(421, (await idle.ReadAsync(TimeSpan.FromSeconds(8))).Code);
    }

    [Fact]
    public async Task Connections_beyond_the_per_address_limit_and_its_queue_are_refused_with_421()
    {
        await using var server = await TestServer.StartAsync(c =>
        {
            c["Server:MaxConnectionsPerIp"] = "2";
            c["Server:MaxQueuedPerIp"] = "0";
        });
        var (first, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        var (second, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        var (third, refused) = await RawFtpClient.ConnectAsync(server.FtpPort);
        var (other, accepted) = await RawFtpClient.ConnectAsync(server.FtpPort, OtherHost);
        Assert.Equal(421, refused.Code);
        Assert.Equal(220, accepted.Code);
        await third.DisposeAsync();
        await first.DisposeAsync();
        await Task.Delay(300);
        var (fourth, greeting) = await RawFtpClient.ConnectAsync(server.FtpPort);
        Assert.Equal(220, greeting.Code);
        await fourth.DisposeAsync();
        await second.DisposeAsync();
        await other.DisposeAsync();
    }

    /// <summary>Over the per-address limit a connection waits unanswered and gets its greeting when a slot frees.</summary>
    [Fact]
    public async Task A_connection_beyond_the_per_address_limit_waits_for_a_slot()
    {
        await using var server = await TestServer.StartAsync(c => c["Server:MaxConnectionsPerIp"] = "2");
        var (first, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        var (second, _) = await RawFtpClient.ConnectAsync(server.FtpPort);
        using var third = new System.Net.Sockets.TcpClient();
        await third.ConnectAsync(System.Net.IPAddress.Loopback, server.FtpPort);
        var reader = new StreamReader(third.GetStream());
        var greeting = reader.ReadLineAsync();
        Assert.False(await Task.WhenAny(greeting, Task.Delay(1000)) == greeting, "the third connection was answered at once");

        await first.DisposeAsync();
        Assert.Equal("220 MultiXfer ready", await greeting.WaitAsync(TimeSpan.FromSeconds(10)));
        await second.DisposeAsync();
    }

    [Fact]
    public async Task A_megabyte_line_gets_500_and_the_session_goes_on()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        byte[] huge = Encoding.ASCII.GetBytes("STOR " + new string('A', 1 << 20));
        await client.SendRawAsync(huge);
        var reply = await client.ReadAsync();
        Assert.Equal(500, reply.Code);
        Assert.Contains("too long", reply.Text);

        // The rest of that line is discarded up to its end; the next command is understood.
        await client.SendRawAsync("\r\n"u8.ToArray());
        Assert.Equal(200, (await client.CommandAsync("NOOP")).Code);
        Assert.Empty(Directory.GetFiles(server.HomeOf("alice")));
    }

    [Fact]
    public async Task Telnet_IAC_floods_do_not_break_the_parser()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);

        // nmap's ftp-vuln-cve2010-4221 payload shape: 4069 x "\0\xff" then text.
        var payload = new List<byte>();
        for (int i = 0; i < 4069; i++)
        {
            payload.AddRange([0x00, 0xFF]);
        }

        payload.AddRange("NOOP\r\n"u8.ToArray());
        await client.SendRawAsync(payload.ToArray());
        var reply = await client.ReadAsync();
        Assert.True(reply.Code is 500 or 200, reply.Text);
        Assert.Equal(257, (await client.CommandAsync("PWD")).Code);

        // IAC IP, IAC DM before a command (what clients send with ABOR) are removed.
        await client.SendRawAsync([0xFF, 0xF4, 0xFF, 0xF2, .. "NOOP\r\n"u8.ToArray()]);
        Assert.Equal(200, (await client.ReadAsync()).Code);
    }

    [Fact]
    public async Task Non_UTF8_bytes_get_a_syntax_error()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await RawFtpClient.LoginAsync(server.FtpPort);
        await client.SendRawAsync([.. "MKD bad"u8.ToArray(), 0xC3, 0x28, (byte)'\r', (byte)'\n']);
        Assert.Equal(500, (await client.ReadAsync()).Code);
        Assert.Empty(Directory.GetDirectories(server.HomeOf("alice")));
    }
}
