using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Admin;

/// <summary>
/// A managed SSH host key rotation driven through the admin API and watched by OpenSSH's ssh with UpdateHostKeys
/// (draft-miller-sshm-hostkey-update): the staged key is learned before it signs, the promoted key is accepted under
/// strict host key checking, and the retired key is forgotten.
/// </summary>
public sealed class HostKeyRotationTests
{
    private static readonly byte[] Payload = Encoding.ASCII.GetBytes(new string('r', 256 * 1024));

    [ClientFact("ssh")]
    public async Task Stage_promote_retire_carry_an_OpenSSH_client_from_the_old_key_to_the_new()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = await AdminClient.ForAsync(server);
        var ssh = new OpenSshClient(server);
        string host = $"[127.0.0.1]:{server.SshPort}";
        string original = File.ReadAllText(Path.Combine(server.KeysDirectory, "ssh_host_ed25519_key.pub")).Trim();
        await File.WriteAllTextAsync(ssh.KnownHostsFile, $"{host} {KeyOf(original)}\n");

        Assert.Equal(409, (await admin.PostAsync("api/v1/hostkeys/promote", new { type = "ssh-ed25519" })).Status);
        Assert.Equal(409, (await admin.PostAsync("api/v1/hostkeys/retire", new { type = "ssh-ed25519" })).Status);
        Assert.Equal(400, (await admin.PostAsync("api/v1/hostkeys/stage", new { type = "ssh-ed25519", site = "nowhere" })).Status);

        var staged = await admin.PostAsync("api/v1/hostkeys/stage", new { type = "ssh-ed25519" });
        Assert.Equal(200, staged.Status);
        Assert.Contains(staged.Body!.AsArray(), k => k!["state"]!.GetValue<string>() == "staged");
        string next = File.ReadAllText(Path.Combine(server.KeysDirectory, "ssh_host_ed25519_key.next.pub")).Trim();
        Assert.Equal(409, (await admin.PostAsync("api/v1/hostkeys/stage", new { type = "ssh-ed25519" })).Status);

        // The client learns the staged key while the original one still signs.
        await LoginUntilAsync(ssh, () => KnownKeys(ssh).Contains(KeyOf(next)));
        Assert.Equal(new[] { KeyOf(original), KeyOf(next) }.Order(StringComparer.Ordinal), KnownKeys(ssh).Order(StringComparer.Ordinal));

        // Promoted: the new key signs, and the client, strict about host keys, goes on without a prompt.
        Assert.Equal(200, (await admin.PostAsync("api/v1/hostkeys/promote", new { type = "ssh-ed25519" })).Status);
        Assert.Equal(KeyOf(next), KeyOf(File.ReadAllText(Path.Combine(server.KeysDirectory, "ssh_host_ed25519_key.pub"))));
        var scan = await ProcessRunner.RunAsync("ssh-keyscan", ["-t", "ed25519", "-p", server.SshPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "127.0.0.1"]);
        Assert.Contains(KeyOf(next), scan.Output);
        var afterPromote = await EchoAsync(ssh);
        Assert.True(afterPromote.ExitCode == 0, afterPromote.ToString());

        // Retired: no longer announced, so the client drops it.
        Assert.Equal(200, (await admin.PostAsync("api/v1/hostkeys/retire", new { type = "ssh-ed25519" })).Status);
        await LoginUntilAsync(ssh, () => !KnownKeys(ssh).Contains(KeyOf(original)));
        Assert.Equal([KeyOf(next)], KnownKeys(ssh));
        Assert.False(File.Exists(Path.Combine(server.KeysDirectory, "ssh_host_ed25519_key.previous")));

        var listed = (await admin.GetAsync("api/v1/hostkeys")).Body!.AsArray();
        Assert.DoesNotContain(listed, k => k!["state"]!.GetValue<string>() != "active");
        var audit = (await admin.GetAsync("api/v1/audit")).Body!.AsArray().Select(e => e!["action"]!.GetValue<string>()).ToList();
        Assert.Equal(["hostkey.retire", "hostkey.promote", "hostkey.stage"], audit.Where(a => a.StartsWith("hostkey.", StringComparison.Ordinal)));
    }

    /// <summary>"ssh-ed25519 AAAA... comment" → "ssh-ed25519 AAAA...".</summary>
    private static string KeyOf(string line) => string.Join(' ', line.Trim().Split(' ').Take(2));

    private static List<string> KnownKeys(OpenSshClient ssh) =>
        [.. File.ReadAllLines(ssh.KnownHostsFile).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => KeyOf(string.Join(' ', l.Split(' ').Skip(1))))];

    private static Task<BinaryProcessResult> EchoAsync(OpenSshClient ssh) =>
        ssh.EchoWithPasswordAsync(Payload, "alice", TestServer.Passwords["alice"], "password", "UpdateHostKeys=yes", "HostKeyAlgorithms=ssh-ed25519");

    /// <summary>
    /// ssh updates known_hosts after the server proves the keys (hostkeys-prove-00), asynchronously to the session: a
    /// session that ends first leaves the file alone, so log in again until the update shows (at most five times).
    /// </summary>
    private static async Task LoginUntilAsync(OpenSshClient ssh, Func<bool> updated)
    {
        for (int attempt = 0; attempt < 5 && !updated(); attempt++)
        {
            var result = await EchoAsync(ssh);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        Assert.True(updated(), File.ReadAllText(ssh.KnownHostsFile));
    }
}
