using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// ssh -o ServerAliveInterval=1 -o ServerAliveCountMax=2 gives up after about three silent seconds unless the server
/// answers its keepalive@openssh.com global requests. With standard input pausing 4 s mid-stream the session must
/// survive on those answers alone and echo "ab".
/// </summary>
public sealed class KeepaliveTests
{
    [ClientFact("ssh", "sh")]
    public async Task Server_alive_checks_are_answered_during_a_pause()
    {
        await using var server = await TestServer.StartAsync();
        var client = new OpenSshClient(server);
        var arguments = client.BaseArguments("alice", "BatchMode=yes", "PreferredAuthentications=publickey", "IdentitiesOnly=yes",
            "ServerAliveInterval=1", "ServerAliveCountMax=2");
        // -vvv raises LogLevel=ERROR to DEBUG3, where ssh logs every packet type it sends and receives.
        arguments.AddRange(["-vvv", "-i", SshTestKeys.ClientKey("id_ed25519"), "-s", "127.0.0.1", "multixfer-echo"]);
        var result = await ProcessRunner.RunAsync("sh", ["-c", "(printf a; sleep 4; printf b) | ssh \"$@\"", "sh", .. arguments],
            TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ab", result.Output);
        Assert.DoesNotContain("not responding", result.Error);

        // SSH_MSG_GLOBAL_REQUEST (80) out, SSH_MSG_REQUEST_FAILURE (82) back: the keepalive exchange happened.
        int asked = Regex.Matches(result.Error, "send packet: type 80").Count;
        int answered = Regex.Matches(result.Error, "receive packet: type 82").Count;
        Assert.True(asked >= 3, $"ssh sent {asked} keepalives");
        Assert.True(answered >= 2 && answered >= asked - 2, $"{asked} keepalives, {answered} answers");
    }
}
