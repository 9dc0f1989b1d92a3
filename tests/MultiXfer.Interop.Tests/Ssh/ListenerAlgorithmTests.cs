using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>A listener's own Ssh lists replace the global ones for that listener only (OpenSSH ssh as the peer).</summary>
public sealed class ListenerAlgorithmTests
{
    [ClientFact("ssh")]
    public async Task A_listener_offers_only_its_own_ciphers()
    {
        await using var server = await TestServer.StartAsync(settings =>
        {
            settings["Listeners:ssh:Ssh:Ciphers:0"] = "aes256-gcm@openssh.com";
            settings["Listeners:ssh:Ssh:KexAlgorithms:0"] = "diffie-hellman-group16-sha512";
        });
        var client = new OpenSshClient(server);
        byte[] input = SshTestSupport.RandomBytes(10_000);
        string key = SshTestKeys.ClientKey("id_ed25519");

        SshTestSupport.AssertEchoed(input, await client.EchoWithKeyAsync(input, "alice", key, "Ciphers=aes256-gcm@openssh.com"));

        // The server sends DISCONNECT (key exchange failed) naming what it offers; ssh exits 255.
        var refused = await client.EchoWithKeyAsync(input, "alice", key, "Ciphers=chacha20-poly1305@openssh.com");
        Assert.Equal(255, refused.ExitCode);
        Assert.Contains("no matching cipher (client to server): client offers chacha20-poly1305@openssh.com; server offers aes256-gcm@openssh.com",
            await server.WaitForLogAsync("no matching cipher"), StringComparison.Ordinal);

        var kexRefused = await client.EchoWithKeyAsync(input, "alice", key, "KexAlgorithms=curve25519-sha256");
        Assert.Equal(255, kexRefused.ExitCode);
        Assert.Contains("no matching key exchange", await server.WaitForLogAsync("no matching key exchange"), StringComparison.Ordinal);
    }
}
