using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// Host key rotation as OpenSSH's UpdateHostKeys sees it (hostkeys-00@openssh.com and hostkeys-prove-00@openssh.com):
/// a client that knows only the ed25519 key learns the RSA key; after the ed25519 key file is replaced (the server
/// reloads on the file change), a client that verifies with the RSA key learns the new ed25519 key and forgets the old.
/// </summary>
public sealed class HostKeyRotationTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private string _work = null!;
    private string _knownHosts = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _work = Directory.CreateTempSubdirectory("mx-ssh-rotation-").FullName;
        _knownHosts = Path.Combine(_work, "known_hosts");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private string HostPattern => $"[127.0.0.1]:{_server.SshPort}";

    [ClientFact("ssh", "ssh-keygen")]
    public async Task UpdateHostKeys_learns_added_keys_and_follows_a_rotation()
    {
        string oldEd25519 = Blob(SshTestKeys.HostPublicKey("ssh_host_ed25519_key"));
        string rsa = Blob(SshTestKeys.HostPublicKey("ssh_host_rsa_key"));
        await File.WriteAllTextAsync(_knownHosts, $"{HostPattern} {SshTestKeys.HostPublicKey("ssh_host_ed25519_key")}\n");

        // 1. Verified by the ed25519 key, the client learns the RSA key the server also has.
        await ConnectAsync("ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
        var learned = KnownKeys();
        Assert.Contains(("ssh-ed25519", oldEd25519), learned);
        Assert.Contains(("ssh-rsa", rsa), learned);
        Assert.Equal(2, learned.Count);

        // 2. Rotate the ed25519 key: a new file swapped in by rename, picked up by the directory watcher.
        string fresh = SshTestKeys.GenerateKey(_work, "ssh_host_ed25519_key", "-t", "ed25519");
        string freshLine = File.ReadAllText(fresh + ".pub").Trim();
        string freshFingerprint = await SshTestSupport.FingerprintAsync(freshLine);
        string target = Path.Combine(_server.KeysDirectory, "ssh_host_ed25519_key");
        File.Copy(fresh, target + ".rotating", overwrite: true);
        File.SetUnixFileMode(target + ".rotating", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(target + ".rotating", target, overwrite: true);
        File.Copy(fresh + ".pub", target + ".pub", overwrite: true);
        Assert.True(await SshTestSupport.WaitForLogAsync(_server, freshFingerprint, TimeSpan.FromSeconds(15)),
            "the server did not log the new key's fingerprint:\n" + _server.ReadLog());
        Assert.Contains("SSH host key reloaded", _server.ReadLog());

        // 3. Verified by the RSA key it learned, the client replaces the old ed25519 key with the new one.
        await ConnectAsync("rsa-sha2-512,rsa-sha2-256,ssh-ed25519");
        var rotated = KnownKeys();
        Assert.Contains(("ssh-ed25519", Blob(freshLine)), rotated);
        Assert.DoesNotContain(("ssh-ed25519", oldEd25519), rotated);
        Assert.Contains(("ssh-rsa", rsa), rotated);
        Assert.Equal(2, rotated.Count);

        // 4. The learned key is the one the server now proves: ed25519 alone verifies.
        await ConnectAsync("ssh-ed25519");
    }

    /// <summary>A client that knows only the retired key is refused by strict host key checking: the rotation is real.</summary>
    [ClientFact("ssh", "ssh-keygen")]
    public async Task After_rotation_the_old_key_alone_no_longer_verifies()
    {
        await File.WriteAllTextAsync(_knownHosts, $"{HostPattern} {SshTestKeys.HostPublicKey("ssh_host_ed25519_key")}\n");
        string fresh = SshTestKeys.GenerateKey(_work, "ssh_host_ed25519_key", "-t", "ed25519");
        string fingerprint = await SshTestSupport.FingerprintAsync(File.ReadAllText(fresh + ".pub").Trim());
        string target = Path.Combine(_server.KeysDirectory, "ssh_host_ed25519_key");
        File.Copy(fresh, target + ".rotating", overwrite: true);
        File.SetUnixFileMode(target + ".rotating", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(target + ".rotating", target, overwrite: true);
        Assert.True(await SshTestSupport.WaitForLogAsync(_server, fingerprint, TimeSpan.FromSeconds(15)), _server.ReadLog());

        var result = await RunSshAsync("ssh-ed25519");
        Assert.Equal(255, result.ExitCode);
        Assert.Contains("HOST IDENTIFICATION HAS CHANGED", result.Error);
    }

    private async Task ConnectAsync(string hostKeyAlgorithms)
    {
        var result = await RunSshAsync(hostKeyAlgorithms);
        Assert.True(result.ExitCode == 0 && result.Output == "rotation-check", result.ToString());
    }

    /// <summary>
    /// Logs in and echoes a word; standard input stays open for a second after it, so the session lasts until the
    /// client has had the hostkeys-prove reply and written known_hosts.
    /// </summary>
    private Task<ProcessResult> RunSshAsync(string hostKeyAlgorithms)
    {
        string[] arguments =
        [
            "-F", "/dev/null", "-p", SshTestSupport.Port(_server), "-l", "alice", "-i", SshTestKeys.ClientKey("id_ed25519"),
            "-o", $"UserKnownHostsFile={_knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
            "-o", "UpdateHostKeys=yes", "-o", "HashKnownHosts=no", "-o", "CheckHostIP=no", "-o", $"HostKeyAlgorithms={hostKeyAlgorithms}",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "PreferredAuthentications=publickey", "-o", "ConnectTimeout=20",
            "-o", "LogLevel=ERROR", "-s", "127.0.0.1", "multixfer-echo",
        ];
        return ProcessRunner.RunAsync("sh", ["-c", "(printf rotation-check; sleep 1) | ssh \"$@\"", "sh", .. arguments], TimeSpan.FromSeconds(60));
    }

    /// <summary>(key type, base64 blob) of every known_hosts line for this server.</summary>
    private List<(string Type, string Blob)> KnownKeys() =>
        File.ReadAllLines(_knownHosts)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 3 && f[0].Split(',').Contains(HostPattern))
            .Select(f => (f[1], f[2]))
            .ToList();

    private static string Blob(string publicKeyLine) => publicKeyLine.Split(' ')[1];
}
