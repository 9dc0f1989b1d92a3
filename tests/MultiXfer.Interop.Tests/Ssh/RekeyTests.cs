using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// Key re-exchange in the middle of a 20 MB echo, started by the client (ssh -o RekeyLimit=1M) or by the server
/// (Ssh:RekeyLimitBytes=1 MiB), with an AEAD cipher and with CTR + HMAC: the data must come back byte for byte and
/// the server log must show the re-exchanges (logged at Debug).
/// </summary>
public sealed class RekeyTests
{
    private const int Size = 20 * 1024 * 1024;
    private const string Chacha = "chacha20-poly1305@openssh.com";

    /// <summary>20 MB each way over 1 MiB limits: far more than this many re-exchanges happen unless rekeying is broken.</summary>
    private const int MinimumRekeys = 10;

    private const string Rekeyed = ", first false";
    private const string ServerStarted = "rekey due: starting a key exchange";

    [ClientFact("ssh")]
    public Task Client_initiated_rekeying_with_chacha20_poly1305() => ClientInitiatedAsync([$"Ciphers={Chacha}"]);

    [ClientFact("ssh")]
    public Task Client_initiated_rekeying_with_aes128_ctr_and_hmac_sha2_256() =>
        ClientInitiatedAsync(["Ciphers=aes128-ctr", "MACs=hmac-sha2-256"]);

    [ClientFact("ssh")]
    public Task Server_initiated_rekeying_with_chacha20_poly1305() => ServerInitiatedAsync([$"Ciphers={Chacha}"]);

    [ClientFact("ssh")]
    public Task Server_initiated_rekeying_with_aes128_ctr_and_hmac_sha2_256() =>
        ServerInitiatedAsync(["Ciphers=aes128-ctr", "MACs=hmac-sha2-256"]);

    /// <summary>
    /// With compression (zlib@openssh.com) the compression context starts afresh after every key exchange
    /// (RFC 4253 §6.2; OpenSSH re-initializes its zlib streams at each NEWKEYS).
    /// </summary>
    [ClientFact("ssh")]
    public Task Client_initiated_rekeying_with_compression() => ClientInitiatedAsync(["Compression=yes"]);

    [ClientFact("ssh")]
    public Task Server_initiated_rekeying_with_compression() => ServerInitiatedAsync(["Compression=yes"]);

    /// <summary>Ssh:RekeyIntervalSeconds: after a pause longer than the interval, the next traffic triggers a re-exchange.</summary>
    [ClientFact("ssh", "sh")]
    public async Task Server_initiated_rekeying_by_time()
    {
        await using var server = await TestServer.StartAsync(settings =>
        {
            settings["Logging:Level"] = "Debug";
            settings["Ssh:RekeyIntervalSeconds"] = "1";
        });
        var client = new OpenSshClient(server);
        var arguments = client.BaseArguments("alice", "BatchMode=yes", "PreferredAuthentications=publickey", "IdentitiesOnly=yes");
        arguments.AddRange(["-i", SshTestKeys.ClientKey("id_ed25519"), "-s", "127.0.0.1", "multixfer-echo"]);
        var result = await ProcessRunner.RunAsync("sh", ["-c", "(printf a; sleep 2; printf b; sleep 2; printf c) | ssh \"$@\"", "sh", .. arguments],
            TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0 && result.Output == "abc", result.ToString());
        Assert.True(SshTestSupport.CountInLog(server, ServerStarted) >= 2, server.ReadLog());
        Assert.True(SshTestSupport.CountInLog(server, Rekeyed) >= 2, server.ReadLog());
    }

    /// <summary>paramiko, which does not use strict key exchange, follows the server's re-exchanges mid-stream.</summary>
    [ClientFact(ClientTools.Python)]
    public async Task Server_initiated_rekeying_with_paramiko()
    {
        await using var server = await TestServer.StartAsync(settings =>
        {
            settings["Logging:Level"] = "Debug";
            settings["Ssh:RekeyLimitBytes"] = "1048576";
        });
        int size = 8 * 1024 * 1024;
        var result = (await Paramiko.PasswordAsync(server, "login", "alice", "--size", size.ToString(System.Globalization.CultureInfo.InvariantCulture))).Ok();
        Assert.True(result.Value("ECHO") == $"equal {size} status 0", result.ToString());
        Assert.Contains("strict false, first true", server.ReadLog(), StringComparison.OrdinalIgnoreCase);
        Assert.True(SshTestSupport.CountInLog(server, Rekeyed) >= 5, server.ReadLog());
    }

    private static async Task ClientInitiatedAsync(string[] cipherOptions)
    {
        await using var server = await TestServer.StartAsync(settings => settings["Logging:Level"] = "Debug");
        byte[] input = SshTestSupport.RandomBytes(Size);
        var result = await new OpenSshClient(server).EchoWithKeyAsync(input, "alice", SshTestKeys.ClientKey("id_ed25519"),
            [.. cipherOptions, "RekeyLimit=1M"]);
        SshTestSupport.AssertEchoed(input, result);
        int rekeys = SshTestSupport.CountInLog(server, Rekeyed);
        Assert.True(rekeys >= MinimumRekeys, $"only {rekeys} re-exchanges in the server log");
        Assert.Equal(0, SshTestSupport.CountInLog(server, ServerStarted));
    }

    private static async Task ServerInitiatedAsync(string[] cipherOptions)
    {
        await using var server = await TestServer.StartAsync(settings =>
        {
            settings["Logging:Level"] = "Debug";
            settings["Ssh:RekeyLimitBytes"] = "1048576";
        });
        byte[] input = SshTestSupport.RandomBytes(Size);
        var result = await new OpenSshClient(server).EchoWithKeyAsync(input, "alice", SshTestKeys.ClientKey("id_ed25519"), cipherOptions);
        SshTestSupport.AssertEchoed(input, result);
        int started = SshTestSupport.CountInLog(server, ServerStarted);
        int rekeys = SshTestSupport.CountInLog(server, Rekeyed);
        Assert.True(started >= MinimumRekeys, $"the server started only {started} re-exchanges");
        Assert.True(rekeys >= MinimumRekeys, $"{started} re-exchanges started but only {rekeys} completed");
    }
}
