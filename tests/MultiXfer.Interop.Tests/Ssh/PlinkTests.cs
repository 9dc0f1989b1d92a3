using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// PuTTY's plink (0.78), a third SSH implementation: batch mode, host key pinned by its SHA256 fingerprint, binary
/// data through the echo subsystem on standard input and output.
/// </summary>
public sealed class PlinkTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _work = Directory.CreateTempSubdirectory("mx-plink-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>PuTTY tries keyboard-interactive before password and answers its prompt with the -pwfile password.</summary>
    [ClientFact("plink")]
    public async Task Password_login_echoes_a_mebibyte()
    {
        byte[] input = SshTestSupport.RandomBytes(1024 * 1024);
        var result = await PlinkAsync(input, await HostKeyFingerprintAsync("ssh_host_ed25519_key"), ["-pwfile", PasswordFile()]);
        SshTestSupport.AssertEchoed(input, result);
        Assert.Contains("SSH user alice authenticated by keyboard-interactive", _server.ReadLog());
    }

    [ClientFact("plink", "puttygen")]
    public async Task Ed25519_key_login_echoes_data() => await KeyLoginAsync("id_ed25519");

    [ClientFact("plink", "puttygen")]
    public async Task Rsa_key_login_echoes_data() => await KeyLoginAsync("id_rsa");

    [ClientFact("plink", "puttygen")]
    public async Task Ecdsa_key_login_echoes_data() => await KeyLoginAsync("id_ecdsa");

    [ClientFact("plink")]
    public async Task Compressed_connection_echoes_data()
    {
        byte[] input = SshTestSupport.RandomBytes(300_000);
        var result = await PlinkAsync(input, await HostKeyFingerprintAsync("ssh_host_ed25519_key"), ["-C", "-pwfile", PasswordFile()]);
        SshTestSupport.AssertEchoed(input, result);
    }

    /// <summary>The pinning is real: a fingerprint of some other key makes plink refuse the server.</summary>
    [ClientFact("plink")]
    public async Task A_wrong_pinned_host_key_is_refused()
    {
        string other = SshTestKeys.GenerateKey(_work, "other_host_key", "-t", "ed25519");
        string fingerprint = await SshTestSupport.FingerprintAsync(File.ReadAllText(other + ".pub").Trim());
        var result = await PlinkAsync([1, 2, 3], fingerprint, ["-pwfile", PasswordFile()]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.DoesNotContain("SSH user alice authenticated", _server.ReadLog());
    }

    [ClientFact("plink")]
    public async Task A_wrong_password_is_refused()
    {
        string file = Path.Combine(_work, "wrong");
        File.WriteAllText(file, "not-the-password");
        var result = await PlinkAsync([1, 2, 3], await HostKeyFingerprintAsync("ssh_host_ed25519_key"), ["-pwfile", file]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Contains("login failed for alice over ssh: wrong password", _server.ReadLog());
    }

    private async Task KeyLoginAsync(string keyFile)
    {
        string ppk = Path.Combine(_work, keyFile + ".ppk");
        var convert = await ProcessRunner.RunAsync("puttygen", [SshTestKeys.ClientKey(keyFile), "-O", "private", "-o", ppk]);
        Assert.True(convert.ExitCode == 0, convert.ToString());
        byte[] input = SshTestSupport.RandomBytes(300_000);
        var result = await PlinkAsync(input, await HostKeyFingerprintAsync("ssh_host_ed25519_key"), ["-i", ppk]);
        SshTestSupport.AssertEchoed(input, result);
        Assert.Contains("login succeeded for alice over ssh with a public key", _server.ReadLog());
    }

    private string PasswordFile()
    {
        string file = Path.Combine(_work, "password");
        File.WriteAllText(file, TestServer.Passwords["alice"]);
        return file;
    }

    private static Task<string> HostKeyFingerprintAsync(string hostKeyFile) =>
        SshTestSupport.FingerprintAsync(SshTestKeys.HostPublicKey(hostKeyFile));

    private Task<BinaryProcessResult> PlinkAsync(byte[] input, string hostKeyFingerprint, string[] authentication) =>
        BinaryProcessRunner.RunAsync("plink",
            ["-ssh", "-batch", "-noagent", "-no-sanitise-stdout", "-no-sanitise-stderr", "-P", SshTestSupport.Port(_server),
                "-hostkey", hostKeyFingerprint, .. authentication, "-s", "alice@127.0.0.1", "multixfer-echo"],
            input, TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["HOME"] = _work });
}
