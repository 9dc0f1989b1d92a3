using System.Globalization;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>The SSH limits and timeouts, each on a server configured with a small value of its own.</summary>
public sealed class SshLimitsTests
{
    /// <summary>SSH_DISCONNECT_TOO_MANY_CONNECTIONS (RFC 4253 §11.1).</summary>
    private const uint TooManyConnections = 12;

    [ClientFact(ClientTools.Python)]
    public async Task MaxAuthTries_ends_the_connection_after_that_many_wrong_passwords()
    {
        await using var server = await TestServer.StartAsync(settings => settings["Ssh:MaxAuthTries"] = "3");
        var result = (await Paramiko.RunAsync(server, "maxauth", "--user", "alice")).Ok();
        Assert.Equal(["1 failed AuthenticationException", "2 failed AuthenticationException"], result.Values("ATTEMPT").Take(2));
        Assert.True(result.Value("DISCONNECTED_AFTER") == "3", result.ToString());
        Assert.True(await SshTestSupport.WaitForLogAsync(server, "too many authentication failures", TimeSpan.FromSeconds(5)), server.ReadLog());
    }

    /// <summary>
    /// The same limit met by OpenSSH, which sends its password attempts on one connection without repeating the
    /// service request: the third wrong password is answered with SSH_MSG_DISCONNECT (no more auth methods, 14).
    /// </summary>
    [ClientFact("ssh")]
    public async Task MaxAuthTries_disconnects_OpenSsh_after_that_many_wrong_passwords()
    {
        await using var server = await TestServer.StartAsync(settings => settings["Ssh:MaxAuthTries"] = "3");
        var result = await new OpenSshClient(server).EchoWithPasswordAsync([1, 2, 3], "alice", "wrong-password", "password",
            "NumberOfPasswordPrompts=6");
        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Received disconnect from 127.0.0.1 port " + server.SshPort + ":14: too many authentication failures", result.Error);
        Assert.Equal(3, SshTestSupport.CountInLog(server, "login failed for alice over ssh: wrong password"));
        Assert.Contains("too many authentication failures", server.ReadLog());
    }

    [ClientFact(ClientTools.Python)]
    public async Task LoginGraceSeconds_disconnects_a_client_that_never_authenticates()
    {
        await using var server = await TestServer.StartAsync(settings => settings["Ssh:LoginGraceSeconds"] = "2");
        var result = (await Paramiko.RunAsync(server, "grace")).Ok();
        var (state, seconds) = Closed(result);
        Assert.Equal("CLOSED", state);
        // Measured from the end of the key exchange; the grace time runs from accept.
        Assert.InRange(seconds, 0.5, 6);
        Assert.True(await SshTestSupport.WaitForLogAsync(server, "login grace time exceeded", TimeSpan.FromSeconds(5)), server.ReadLog());
    }

    [ClientFact(ClientTools.Python)]
    public async Task IdleTimeoutSeconds_closes_an_authenticated_connection_that_sends_nothing()
    {
        await using var server = await TestServer.StartAsync(settings => settings["Server:IdleTimeoutSeconds"] = "2");
        var result = (await Paramiko.PasswordAsync(server, "idle")).Ok();
        Assert.Equal("True", result.Value("AUTHENTICATED"));
        var (state, seconds) = Closed(result);
        Assert.Equal("CLOSED", state);
        Assert.InRange(seconds, 1.5, 6);
        Assert.True(await SshTestSupport.WaitForLogAsync(server, "SSH session: idle timeout; disconnecting", TimeSpan.FromSeconds(5)), server.ReadLog());
    }

    [ClientFact(ClientTools.Python)]
    public async Task MaxChannelsPerConnection_refuses_the_third_session_with_resource_shortage()
    {
        await using var server = await TestServer.StartAsync(settings => settings["Ssh:MaxChannelsPerConnection"] = "2");
        var result = (await Paramiko.PasswordAsync(server, "channels", "alice", "--count", "3")).Ok();
        // paramiko shows its own text for the reason code: 4 is SSH_OPEN_RESOURCE_SHORTAGE (RFC 4254 §5.1).
        Assert.Equal(["1 open", "2 open", "3 refused 4 Resource shortage"], result.Values("CHANNEL"));
        Assert.Contains("channel open refused: too many channels", server.ReadLog());
        Assert.Equal(["1 equal status 0", "2 equal status 0"], result.Values("CHANNEL_ECHO"));
    }

    /// <summary>Closed channels free their slot: a channel after an earlier one finished is allowed again.</summary>
    [ClientFact(ClientTools.Python)]
    public async Task MaxChannelsPerConnection_counts_open_channels_only()
    {
        await using var server = await TestServer.StartAsync(settings => settings["Ssh:MaxChannelsPerConnection"] = "1");
        var result = (await Paramiko.PasswordAsync(server, "sequential", "alice", "--count", "4")).Ok();
        Assert.Equal(["1 equal status 0", "2 equal status 0", "3 equal status 0", "4 equal status 0"], result.Values("SEQUENTIAL"));
    }

    /// <summary>
    /// A third connection over MaxUnauthenticatedPerIp waits, accepted and unanswered (no identification, no key
    /// exchange), and starts as soon as one of the two before it logs in or leaves.
    /// </summary>
    [Fact]
    public async Task MaxUnauthenticatedPerIp_makes_a_third_idle_connection_wait_until_a_slot_frees()
    {
        await using var server = await TestServer.StartAsync(settings => settings["Server:MaxUnauthenticatedPerIp"] = "2");
        await using var first = await RawSshClient.ConnectAsync(server.SshPort);
        await using var second = await RawSshClient.ConnectAsync(server.SshPort);
        Assert.Equal("SSH-2.0-MultiXfer", await first.ReadIdentificationAsync());
        Assert.Equal("SSH-2.0-MultiXfer", await second.ReadIdentificationAsync());

        await using var third = await RawSshClient.ConnectAsync(server.SshPort);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.ReadIdentificationAsync(TimeSpan.FromSeconds(1)));

        await second.DisposeAsync();
        Assert.Equal("SSH-2.0-MultiXfer", await third.ReadIdentificationAsync(TimeSpan.FromSeconds(10)));
        // The idle first one was not disturbed.
        await first.SendIdentificationAsync();
        Assert.Equal(20, (await first.ReadPacketAsync())![0]);
    }

    [Fact]
    public async Task Without_a_queue_a_third_idle_connection_is_refused_with_too_many_connections()
    {
        await using var server = await TestServer.StartAsync(settings =>
        {
            settings["Server:MaxUnauthenticatedPerIp"] = "2";
            settings["Server:MaxQueuedPerIp"] = "0";
        });
        await using var first = await RawSshClient.ConnectAsync(server.SshPort);
        await using var second = await RawSshClient.ConnectAsync(server.SshPort);
        Assert.Equal("SSH-2.0-MultiXfer", await first.ReadIdentificationAsync());
        Assert.Equal("SSH-2.0-MultiXfer", await second.ReadIdentificationAsync());

        await using (var third = await RawSshClient.ConnectAsync(server.SshPort))
        {
            Assert.Equal("SSH-2.0-MultiXfer", await third.ReadIdentificationAsync());
            var (reason, description) = await third.ReadDisconnectAsync();
            Assert.Equal(TooManyConnections, reason);
            Assert.Contains("too many connections", description);
            Assert.True(await third.IsClosedAsync(TimeSpan.FromSeconds(5)));
        }

        await second.DisposeAsync();
        Assert.True(await AcceptedWithinAsync(server.SshPort, TimeSpan.FromSeconds(10)), "no slot was freed by closing a connection");
    }

    /// <summary>Whether a new connection gets KEXINIT (not DISCONNECT) within the time, retrying while the server catches up.</summary>
    private static async Task<bool> AcceptedWithinAsync(int port, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            await using var client = await RawSshClient.ConnectAsync(port);
            Assert.Equal("SSH-2.0-MultiXfer", await client.ReadIdentificationAsync());
            await client.SendIdentificationAsync();
            var packet = await client.ReadPacketAsync();
            if (packet is not null && packet[0] == 20)
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    private static (string State, double Seconds) Closed(ParamikoResult result)
    {
        var line = (result.Value("CLOSED") is { } closed ? "CLOSED " + closed : "OPEN " + result.Value("OPEN")).Split(' ');
        return (line[0], double.Parse(line[1], CultureInfo.InvariantCulture));
    }
}
