using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>A server with a login banner, shared by the paramiko tests.</summary>
public sealed class BannerServer : IAsyncLifetime
{
    public const string Banner = "MultiXfer interop test server\nauthorized use only";

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(settings => settings["Ssh:Banner"] = Banner);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// paramiko, an independent SSH implementation: password, every client key type and keyboard-interactive logins,
/// a 1 MiB round trip through the echo subsystem, and the login banner.
/// </summary>
public sealed class ParamikoTests(BannerServer fixture) : IClassFixture<BannerServer>
{
    private const int MiB = 1024 * 1024;

    [ClientFact(ClientTools.Python)]
    public async Task Password_login_echoes_a_mebibyte_and_shows_the_banner()
    {
        var result = (await Paramiko.PasswordAsync(fixture.Server, "login", "alice", "--size", MiB.ToString())).Ok();
        AssertLoggedInAndEchoed(result, MiB);
        string banner = Encoding.UTF8.GetString(Convert.FromBase64String(result.Value("BANNER")!));
        Assert.Equal(BannerServer.Banner, banner.ReplaceLineEndings("\n").TrimEnd('\n'));
    }

    [ClientFact(ClientTools.Python)]
    public Task Ed25519_key_login_echoes_a_mebibyte() => KeyLoginAsync("id_ed25519");

    [ClientFact(ClientTools.Python)]
    public Task Rsa_key_login_echoes_a_mebibyte() => KeyLoginAsync("id_rsa");

    [ClientFact(ClientTools.Python)]
    public Task Ecdsa_key_login_echoes_a_mebibyte() => KeyLoginAsync("id_ecdsa");

    /// <summary>
    /// An RSA key signing with SHA-1 ("ssh-rsa", as clients did before server-sig-algs) is refused although the key is
    /// authorized; the same key signing with rsa-sha2-256 gets in.
    /// </summary>
    [ClientFact(ClientTools.Python)]
    public async Task Rsa_signatures_must_use_sha2()
    {
        string key = SshTestKeys.ClientKey("id_rsa");
        var sha1 = await Paramiko.RunAsync(fixture.Server, "login", "--user", "alice", "--method", "key", "--secret", key,
            "--pubkey-algorithm", "ssh-rsa", "--size", "1000");
        Assert.NotEqual(0, sha1.Process.ExitCode);
        Assert.Contains("AuthenticationException", sha1.Process.Error);
        Assert.Contains("public key for alice refused: algorithm ssh-rsa", fixture.Server.ReadLog());

        var sha256 = (await Paramiko.RunAsync(fixture.Server, "login", "--user", "alice", "--method", "key", "--secret", key,
            "--pubkey-algorithm", "rsa-sha2-256", "--size", "1000")).Ok();
        AssertLoggedInAndEchoed(sha256, 1000);
    }

    [ClientFact(ClientTools.Python)]
    public async Task Keyboard_interactive_login_answers_the_password_prompt()
    {
        var result = (await Paramiko.RunAsync(fixture.Server, "login", "--user", "alice", "--method", "interactive",
            "--secret", TestServer.Passwords["alice"], "--size", MiB.ToString())).Ok();
        Assert.Equal("Password:", result.Value("PROMPTS"));
        AssertLoggedInAndEchoed(result, MiB);
        Assert.Contains("SSH user alice authenticated by keyboard-interactive", fixture.Server.ReadLog());
    }

    [ClientFact(ClientTools.Python)]
    public async Task Wrong_keyboard_interactive_answer_is_refused()
    {
        var result = await Paramiko.RunAsync(fixture.Server, "login", "--user", "alice", "--method", "interactive", "--secret", "not-the-password");
        Assert.NotEqual(0, result.Process.ExitCode);
        Assert.Contains("AuthenticationException", result.Process.Error);
        Assert.Null(result.Value("AUTHENTICATED"));
    }

    /// <summary>
    /// paramiko's SSHClient tries keys and then the password on one connection, and every paramiko authentication
    /// call begins with a new SSH_MSG_SERVICE_REQUEST for ssh-userauth. OpenSSH's sshd accepts repeated service
    /// requests before authentication succeeds, so paramiko users expect the fallback to work.
    /// </summary>
    [ClientFact(ClientTools.Python)]
    public async Task A_refused_key_then_the_password_on_one_connection_logs_in()
    {
        string directory = Directory.CreateTempSubdirectory("mx-paramiko-").FullName;
        try
        {
            string stranger = SshTestKeys.GenerateKey(directory, "id_stranger", "-t", "ed25519");
            var result = await Paramiko.RunAsync(fixture.Server, "fallback", "--user", "alice", "--key", stranger, "--method", "password",
                "--secret", TestServer.Passwords["alice"], "--size", "10000");
            Assert.Equal("failed AuthenticationException", result.Value("FIRST"));
            Assert.True(result.Value("ACTIVE_AFTER_FIRST") == "True", "the server hung up after the refused key: " + result);
            result.Ok();
            AssertLoggedInAndEchoed(result, 10000);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task KeyLoginAsync(string keyFile)
    {
        var result = (await Paramiko.RunAsync(fixture.Server, "login", "--user", "alice", "--method", "key",
            "--secret", SshTestKeys.ClientKey(keyFile), "--size", MiB.ToString())).Ok();
        AssertLoggedInAndEchoed(result, MiB);
    }

    private static void AssertLoggedInAndEchoed(ParamikoResult result, int size)
    {
        Assert.True(result.Value("AUTHENTICATED") == "True", result.ToString());
        Assert.True(result.Value("ECHO") == $"equal {size} status 0", result.ToString());
    }
}
