using System.Diagnostics;
using System.Security.Cryptography;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// Hostile connections end only themselves: while silent clients sit in the identification phase and others
/// keep claiming 4 GiB packets, a real client's session runs to completion, and new sessions still work after.
/// </summary>
public sealed class SshHostileConcurrencyTests
{
    private const int IdentificationTimeoutSeconds = 4;

    [ClientFact("ssh")]
    public async Task Hostile_connections_do_not_disturb_a_concurrent_session_or_later_ones()
    {
        await using var server = await TestServer.StartAsync(settings =>
        {
            settings["Ssh:IdentificationTimeoutSeconds"] = IdentificationTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // The per-address limit on unauthenticated connections would otherwise refuse the real client: all come from 127.0.0.1.
            settings["Server:MaxUnauthenticatedPerIp"] = "50";
        });
        var ssh = new OpenSshClient(server);

        var silent = new List<RawSshClient>();
        for (int i = 0; i < 5; i++)
        {
            var client = await RawSshClient.ConnectAsync(server.SshPort);
            Assert.Equal("SSH-2.0-MultiXfer", await client.ReadIdentificationAsync());
            silent.Add(client);
        }

        var silentSince = Stopwatch.StartNew();
        byte[] input = RandomNumberGenerator.GetBytes(1024 * 1024);
        var session = ssh.EchoWithPasswordAsync(input, "alice", TestServer.Passwords["alice"]);

        int rounds = 0;
        do
        {
            await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => LengthBombAsync(server)));
            rounds++;
        }
        while (!session.IsCompleted || rounds < 2);

        var result = await session;
        Assert.True(result.ExitCode == 0 && result.Output.AsSpan().SequenceEqual(input), result.ToString());
        Assert.True(rounds >= 2);

        // The silent ones end at their own timeout, not earlier because of the others and not never.
        foreach (var client in silent)
        {
            var remaining = TimeSpan.FromSeconds(IdentificationTimeoutSeconds + 3) - silentSince.Elapsed;
            Assert.True(await client.IsClosedAsync(remaining > TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200)),
                "a silent client was not disconnected at the identification timeout");
            await client.DisposeAsync();
        }

        Assert.True(silentSince.Elapsed >= TimeSpan.FromSeconds(IdentificationTimeoutSeconds - 0.5));

        // The server still serves new sessions afterwards.
        byte[] again = RandomNumberGenerator.GetBytes(64 * 1024);
        var after = await ssh.EchoWithPasswordAsync(again, "bob", TestServer.Passwords["bob"]);
        Assert.True(after.ExitCode == 0 && after.Output.AsSpan().SequenceEqual(again), after.ToString());
    }

    private static async Task LengthBombAsync(TestServer server)
    {
        await using var client = await Hostile.OpenAsync(server);
        await client.SendRawAsync(Hostile.RawPacket(0xFFFF_FFFF, 4, 1024));
        await Hostile.ExpectDisconnectAsync(client, Reason.ProtocolError, "exceeds the limit");
    }
}
