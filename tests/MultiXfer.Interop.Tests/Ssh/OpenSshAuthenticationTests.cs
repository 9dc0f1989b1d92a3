using MultiXfer.Auth;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// A server with, besides the standard users: bob restricted to FTP (with a key and his password, so only the
/// protocol can be what refuses him) and scpuser allowed only SCP (which includes SSH logins).
/// </summary>
public sealed class AuthenticationServer : IAsyncLifetime
{
    public const string ScpUserPassword = "scp-only-secret";

    public TestServer Server { get; private set; } = null!;

    public OpenSshClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string hash = PasswordHasher.HashPbkdf2(ScpUserPassword, 10_000);
        Server = await TestServer.StartAsync(settings =>
        {
            settings["Users:bob:Protocols:0"] = "ftp";
            settings["Users:bob:Protocols:1"] = "ftps";
            settings["Users:bob:AuthorizedKeys:0"] = SshTestKeys.ClientPublicKey("id_ed25519");
            settings["Users:scpuser:PasswordHash"] = hash;
            settings["Users:scpuser:Protocols:0"] = "scp";
            settings["Users:scpuser:AuthorizedKeys:0"] = SshTestKeys.ClientPublicKey("id_ed25519");
        });
        Client = new OpenSshClient(Server);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>OpenSSH's ssh logging in by password, keyboard-interactive and every client key type, and being refused.</summary>
public sealed class OpenSshAuthenticationTests(AuthenticationServer fixture) : IClassFixture<AuthenticationServer>
{
    private TestServer Server => fixture.Server;

    private OpenSshClient Client => fixture.Client;

    [ClientFact("ssh")]
    public async Task Password_login_works()
    {
        byte[] input = SshTestSupport.RandomBytes(200_000);
        SshTestSupport.AssertEchoed(input, await Client.EchoWithPasswordAsync(input, "alice", TestServer.Passwords["alice"]));
    }

    [ClientFact("ssh")]
    public async Task Keyboard_interactive_login_works()
    {
        byte[] input = SshTestSupport.RandomBytes(200_000);
        SshTestSupport.AssertEchoed(input, await Client.EchoWithPasswordAsync(input, "alice", TestServer.Passwords["alice"], "keyboard-interactive"));
        Assert.Contains("SSH user alice authenticated by keyboard-interactive", Server.ReadLog());
    }

    [ClientFact("ssh")]
    public Task Ed25519_key_login_works() => KeyLoginAsync("id_ed25519");

    [ClientFact("ssh")]
    public Task Rsa_key_login_works() => KeyLoginAsync("id_rsa");

    [ClientFact("ssh")]
    public Task Ecdsa_key_login_works() => KeyLoginAsync("id_ecdsa");

    /// <summary>RSA keys sign with SHA-2 (RFC 8332): both rsa-sha2-512 and rsa-sha2-256 are accepted on their own.</summary>
    [ClientFact("ssh")]
    public async Task Rsa_key_login_works_with_each_sha2_signature_algorithm()
    {
        foreach (string algorithm in new[] { "rsa-sha2-512", "rsa-sha2-256" })
        {
            byte[] input = SshTestSupport.RandomBytes(10_000);
            var result = await Client.EchoWithKeyAsync(input, "alice", SshTestKeys.ClientKey("id_rsa"), $"PubkeyAcceptedAlgorithms={algorithm}");
            Assert.True(SshTestSupport.EchoProblem(input, result) is null, $"{algorithm}: {SshTestSupport.EchoProblem(input, result)}");
        }
    }

    /// <summary>
    /// A wrong password for a real user and any password for a user that does not exist look the same to the
    /// client: same exit status, same messages (user names aside), same methods offered.
    /// </summary>
    [ClientFact("ssh")]
    public async Task Wrong_password_and_unknown_user_fail_the_same_way()
    {
        byte[] input = SshTestSupport.RandomBytes(100);
        foreach (string method in new[] { "password", "keyboard-interactive" })
        {
            var wrong = await Client.EchoWithPasswordAsync(input, "alice", "not-alices-password", method);
            var unknown = await Client.EchoWithPasswordAsync(input, "nosuchuser", "not-alices-password", method);
            Assert.Equal(255, wrong.ExitCode);
            Assert.Equal(255, unknown.ExitCode);
            Assert.Empty(wrong.Output);
            Assert.Empty(unknown.Output);
            Assert.Contains("Permission denied (publickey,password,keyboard-interactive)", wrong.Error);
            Assert.Equal(wrong.Error.Replace("alice", "USER", StringComparison.Ordinal),
                unknown.Error.Replace("nosuchuser", "USER", StringComparison.Ordinal));
        }

        string log = Server.ReadLog();
        Assert.Contains("login failed for alice over ssh: wrong password", log);
        Assert.Contains("login failed for nosuchuser over ssh: unknown user", log);
    }

    [ClientFact("ssh")]
    public async Task A_key_nobody_authorized_is_refused()
    {
        string directory = Directory.CreateTempSubdirectory("mx-ssh-unauthorized-").FullName;
        try
        {
            string key = SshTestKeys.GenerateKey(directory, "id_stranger", "-t", "ed25519");
            byte[] input = SshTestSupport.RandomBytes(100);
            var stranger = await Client.EchoWithKeyAsync(input, "alice", key);
            Assert.Equal(255, stranger.ExitCode);
            Assert.Empty(stranger.Output);
            Assert.Contains("Permission denied (publickey,password,keyboard-interactive)", stranger.Error);

            // alice's key is authorized for alice only, not for reader.
            var otherUser = await Client.EchoWithKeyAsync(input, "reader", SshTestKeys.ClientKey("id_ed25519"));
            Assert.Equal(255, otherUser.ExitCode);
            Assert.Contains("Permission denied", otherUser.Error);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// bob's Protocols are ftp and ftps: with his correct password and an authorized key he still cannot log in over
    /// SSH, by any method. scpuser (only scp) can, which shows SSH logins follow sftp/scp.
    /// </summary>
    [ClientFact("ssh")]
    public async Task A_user_without_sftp_or_scp_cannot_log_in_over_ssh()
    {
        byte[] input = SshTestSupport.RandomBytes(1000);
        var byPassword = await Client.EchoWithPasswordAsync(input, "bob", TestServer.Passwords["bob"]);
        var byInteractive = await Client.EchoWithPasswordAsync(input, "bob", TestServer.Passwords["bob"], "keyboard-interactive");
        var byKey = await Client.EchoWithKeyAsync(input, "bob", SshTestKeys.ClientKey("id_ed25519"));
        foreach (var result in new[] { byPassword, byInteractive, byKey })
        {
            Assert.Equal(255, result.ExitCode);
            Assert.Empty(result.Output);
            Assert.Contains("Permission denied", result.Error);
        }

        Assert.Contains("login failed for bob over ssh: protocol ssh not allowed for this user", Server.ReadLog());
        Assert.DoesNotContain("SSH user bob authenticated", Server.ReadLog());

        SshTestSupport.AssertEchoed(input, await Client.EchoWithPasswordAsync(input, "scpuser", AuthenticationServer.ScpUserPassword));
        SshTestSupport.AssertEchoed(input, await Client.EchoWithKeyAsync(input, "scpuser", SshTestKeys.ClientKey("id_ed25519")));
    }

    private async Task KeyLoginAsync(string keyFile)
    {
        byte[] input = SshTestSupport.RandomBytes(200_000);
        SshTestSupport.AssertEchoed(input, await Client.EchoWithKeyAsync(input, "alice", SshTestKeys.ClientKey(keyFile)));
    }
}
