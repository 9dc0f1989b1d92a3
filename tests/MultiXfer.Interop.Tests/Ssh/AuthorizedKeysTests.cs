using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// Public keys from an authorized_keys file (re-read when it changes) and from configuration, with from= and
/// expiry-time= restrictions, for users that have no password at all.
/// </summary>
public sealed class AuthorizedKeysTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private OpenSshClient _client = null!;
    private string _work = null!;
    private string _carolsFile = null!;
    private string _erinsFile = null!;

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("mx-ssh-authkeys-").FullName;
        _carolsFile = Path.Combine(_work, "carol_authorized_keys");
        _erinsFile = Path.Combine(_work, "erin_authorized_keys");
        File.WriteAllText(_carolsFile, "# carol's keys\n" + SshTestKeys.ClientPublicKey("id_ed25519") + "\n");
        File.WriteAllText(_erinsFile,
            $"from=\"10.0.0.0/8\" {SshTestKeys.ClientPublicKey("id_ed25519")}\n" +
            $"from=\"127.0.0.1\" {SshTestKeys.ClientPublicKey("id_rsa")}\n" +
            $"expiry-time=\"20000101\" {SshTestKeys.ClientPublicKey("id_ecdsa")}\n");
        _server = await TestServer.StartAsync(settings =>
        {
            // carol, erin and dave have keys and no password.
            settings["Users:carol:AuthorizedKeysFile"] = _carolsFile;
            settings["Users:erin:AuthorizedKeysFile"] = _erinsFile;
            settings["Users:dave:AuthorizedKeys:0"] = SshTestKeys.ClientPublicKey("id_ecdsa");
            settings["Users:dave:AuthorizedKeys:1"] = $"from=\"192.168.0.0/16,10.1.2.3\" {SshTestKeys.ClientPublicKey("id_rsa")}";
        });
        _client = new OpenSshClient(_server);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [ClientFact("ssh")]
    public async Task An_authorized_keys_file_is_used_and_edits_take_effect_on_the_next_login()
    {
        await AcceptedAsync("carol", "id_ed25519");
        await RefusedAsync("carol", "id_rsa");

        // Add the RSA key: no restart, no signal.
        File.AppendAllText(_carolsFile, SshTestKeys.ClientPublicKey("id_rsa") + "\n");
        await AcceptedAsync("carol", "id_rsa");

        // Remove the ed25519 key: it stops working just as promptly.
        File.WriteAllText(_carolsFile, SshTestKeys.ClientPublicKey("id_rsa") + "\n");
        await RefusedAsync("carol", "id_ed25519");
        await AcceptedAsync("carol", "id_rsa");
    }

    [ClientFact("ssh")]
    public async Task From_restricts_keys_by_client_address()
    {
        await RefusedAsync("erin", "id_ed25519");
        await AcceptedAsync("erin", "id_rsa");

        // The same restriction on a key from configuration: neither pattern matches 127.0.0.1.
        await RefusedAsync("dave", "id_rsa");
    }

    [ClientFact("ssh")]
    public async Task An_expired_key_is_refused()
    {
        await RefusedAsync("erin", "id_ecdsa");
    }

    [ClientFact("ssh")]
    public async Task A_user_with_keys_and_no_password_logs_in_with_a_key_only()
    {
        await AcceptedAsync("dave", "id_ecdsa");
        await AcceptedAsync("carol", "id_ed25519");

        byte[] input = SshTestSupport.RandomBytes(100);
        foreach (string password in new[] { "", "dave", TestServer.Passwords["alice"] })
        {
            var result = await _client.EchoWithPasswordAsync(input, "dave", password);
            Assert.Equal(255, result.ExitCode);
            Assert.Contains("Permission denied", result.Error);
        }

        Assert.Contains("login failed for dave over ssh: no password set", _server.ReadLog());
    }

    private async Task AcceptedAsync(string user, string keyFile)
    {
        byte[] input = SshTestSupport.RandomBytes(5000);
        string? problem = SshTestSupport.EchoProblem(input, await _client.EchoWithKeyAsync(input, user, SshTestKeys.ClientKey(keyFile)));
        Assert.True(problem is null, $"{user} with {keyFile}: {problem}");
    }

    private async Task RefusedAsync(string user, string keyFile)
    {
        var result = await _client.EchoWithKeyAsync([1, 2, 3], user, SshTestKeys.ClientKey(keyFile));
        Assert.True(result.ExitCode == 255 && result.Error.Contains("Permission denied", StringComparison.Ordinal),
            $"{user} with {keyFile} was not refused: {result}");
        Assert.Empty(result.Output);
    }
}
