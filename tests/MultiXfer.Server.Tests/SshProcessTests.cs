using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>SSH host keys as the binary handles them: generated on first start, reused, reloaded on SIGHUP.</summary>
public sealed partial class SshProcessTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] Loopback =
    [
        "--Listeners:ftp:Address=127.0.0.1", "--Listeners:ftp:Port=0", "--Listeners:ftps:Address=127.0.0.1", "--Listeners:ftps:Port=0",
        "--Listeners:ssh:Address=127.0.0.1", "--Listeners:ssh:Port=0", "--Listeners:auto:Address=127.0.0.1", "--Listeners:auto:Port=0", "--Ftp:PassivePorts=",
        // Every ssh-keyscan is a connection without a login, which earns 127.0.0.1 a per-source penalty when polled.
        "--Penalties:Exempt:0=127.0.0.1",
    ];

    private readonly string _work = Directory.CreateTempSubdirectory("mx-ssh-process-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [ClientFact("ssh-keygen", "ssh-keyscan")]
    public async Task First_start_generates_ed25519_and_rsa_host_keys_logs_their_fingerprints_and_serves_them()
    {
        string keys = Path.Combine(_work, "keys");
        await using (var first = ServerProcess.Start(_work, Loopback))
        {
            int port = await first.WaitForListenerAsync(StartTimeout, "ssh");
            foreach (var (file, type, bits) in new[] { ("ssh_host_ed25519_key", "ED25519", "256"), ("ssh_host_rsa_key", "RSA", "3072") })
            {
                string path = Path.Combine(keys, file);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                var listed = await ProcessRunner.RunAsync("ssh-keygen", ["-l", "-E", "sha256", "-f", path]);
                Assert.True(listed.ExitCode == 0, listed.ToString());
                Assert.StartsWith(bits + " ", listed.Output);
                Assert.EndsWith($"({type})", listed.Output.Trim());
                string fingerprint = listed.Output.Split(' ')[1];
                Assert.Contains($"generated SSH host key {path}", first.Output);
                Assert.Contains(fingerprint, first.Output);

                // The public file beside it is the key ssh-keygen derives from the private one, and the one served.
                var derived = await ProcessRunner.RunAsync("ssh-keygen", ["-y", "-f", path]);
                Assert.Equal(KeyOf(derived.Output), KeyOf(File.ReadAllText(path + ".pub")));
                var scanned = await ProcessRunner.RunAsync("ssh-keyscan", ["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "-t", type == "RSA" ? "rsa" : "ed25519", "127.0.0.1"], TimeSpan.FromSeconds(20));
                Assert.Contains(KeyOf(derived.Output), scanned.Output);
            }

            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        string before = File.ReadAllText(Path.Combine(keys, "ssh_host_ed25519_key"));
        await using var second = ServerProcess.Start(_work, Loopback);
        await second.WaitForListenerAsync(StartTimeout, "ssh");
        Assert.DoesNotContain("generated SSH host key", second.Output);
        Assert.Contains("SSH host key loaded: ssh-ed25519", second.Output);
        Assert.Equal(before, File.ReadAllText(Path.Combine(keys, "ssh_host_ed25519_key")));
    }

    [ClientFact("ssh-keygen", "ssh-keyscan")]
    public async Task SIGHUP_reloads_host_keys_no_watcher_could_see_and_a_broken_replacement_keeps_the_old_ones()
    {
        // current -> v1 is swapped to v2 by renaming a symlink outside any watched directory: only SIGHUP tells.
        string v1 = await MakeKeyAsync("v1"), v2 = await MakeKeyAsync("v2");
        string current = Path.Combine(_work, "current");
        File.CreateSymbolicLink(current, Path.Combine(_work, "v1"));
        await using var server = ServerProcess.Start(_work, [.. Loopback, $"--Ssh:HostKeys:0={current}/ssh_host_ed25519_key"]);
        int port = await server.WaitForListenerAsync(StartTimeout, "ssh");
        Assert.Contains(v1, await ScanAsync(port));

        await SwapAsync(current, "v2");
        await Task.Delay(1500);
        Assert.Contains(v1, await ScanAsync(port));

        server.HangUp();
        Assert.True(await EventuallyAsync(async () => (await ScanAsync(port)).Contains(v2, StringComparison.Ordinal)), server.Output);
        Assert.Contains("SSH host key reloaded (SIGHUP)", server.Output);

        // A replacement that cannot be loaded is logged; the keys in service stay.
        Directory.CreateDirectory(Path.Combine(_work, "broken"));
        File.WriteAllText(Path.Combine(_work, "broken", "ssh_host_ed25519_key"), "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n");
        await SwapAsync(current, "broken");
        server.HangUp();
        Assert.True(await EventuallyAsync(() => Task.FromResult(server.Output.Contains("SSH host key reload (SIGHUP) failed", StringComparison.Ordinal))),
            server.Output);
        Assert.Contains(v2, await ScanAsync(port));
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task An_unloadable_host_key_stops_start_up_naming_its_key()
    {
        File.WriteAllText(Path.Combine(_work, "bad_key"), "not a key at all");
        await using var server = ServerProcess.Start(_work, [.. Loopback, $"--Ssh:HostKeys:0={_work}/bad_key"]);
        Assert.Equal(2, await server.WaitForExitAsync(StartTimeout));
        Assert.Contains("Ssh:HostKeys:0", server.Output + server.Error);
    }

    /// <summary>Host certificates ride with their keys: a SIGHUP after a swap no watcher sees serves the new certificate.</summary>
    [ClientFact("ssh-keygen", "ssh-keyscan")]
    public async Task SIGHUP_reloads_host_certificates_with_their_keys()
    {
        string ca = SshTestKeys.GenerateKey(_work, "host_ca", "-t", "ed25519");
        string[] certificates = new string[2];
        foreach (var (name, index) in new[] { ("v1", 0), ("v2", 1) })
        {
            await MakeKeyAsync(name);
            string key = Path.Combine(_work, name, "ssh_host_ed25519_key");
            var signed = await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-s", ca, "-h", "-I", $"host-{name}", "-n", "127.0.0.1", key + ".pub"]);
            Assert.Equal(0, signed.ExitCode);
            certificates[index] = (await File.ReadAllTextAsync(key + "-cert.pub")).Split(' ')[1];
        }

        string current = Path.Combine(_work, "current");
        File.CreateSymbolicLink(current, Path.Combine(_work, "v1"));
        await using var server = ServerProcess.Start(_work, [.. Loopback, $"--Ssh:HostKeys:0={current}/ssh_host_ed25519_key",
            $"--Ssh:HostCertificates:0={current}/ssh_host_ed25519_key-cert.pub"]);
        int port = await server.WaitForListenerAsync(StartTimeout, "ssh");
        Assert.Contains(certificates[0], await ScanCertificatesAsync(port));

        await SwapAsync(current, "v2");
        server.HangUp();
        Assert.True(await EventuallyAsync(async () => (await ScanCertificatesAsync(port)).Contains(certificates[1], StringComparison.Ordinal)),
            server.Output);
        Assert.Contains("SSH host certificate reloaded (SIGHUP)", server.Output);
    }

    /// <summary>A host certificate that certifies no host key would fail every client's check: start-up stops instead.</summary>
    [Fact]
    public async Task A_host_certificate_for_another_key_stops_start_up_naming_its_key()
    {
        string ca = SshTestKeys.GenerateKey(_work, "host_ca", "-t", "ed25519");
        string stranger = SshTestKeys.GenerateKey(_work, "stranger_key", "-t", "ed25519");
        var signed = await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-s", ca, "-h", "-I", "stranger", stranger + ".pub"]);
        Assert.Equal(0, signed.ExitCode);
        await using var server = ServerProcess.Start(_work, [.. Loopback, $"--Ssh:HostCertificates:0={stranger}-cert.pub"]);
        Assert.Equal(2, await server.WaitForExitAsync(StartTimeout));
        Assert.Contains("Ssh:HostCertificates:0", server.Output + server.Error);
        Assert.Contains("which is not one of the host keys", server.Output + server.Error);
    }

    private async Task<string> MakeKeyAsync(string name)
    {
        string directory = Path.Combine(_work, name);
        Directory.CreateDirectory(directory);
        string path = SshTestKeys.GenerateKey(directory, "ssh_host_ed25519_key", "-t", "ed25519");
        return KeyOf(await File.ReadAllTextAsync(path + ".pub"));
    }

    private async Task SwapAsync(string link, string target)
    {
        string swap = Path.Combine(_work, "swap");
        File.CreateSymbolicLink(swap, Path.Combine(_work, target));
        Assert.Equal(0, (await ProcessRunner.RunAsync("mv", ["-T", swap, link])).ExitCode);
    }

    private static async Task<string> ScanAsync(int port) =>
        (await ProcessRunner.RunAsync("ssh-keyscan", ["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "ed25519", "127.0.0.1"],
            TimeSpan.FromSeconds(20))).Output;

    private static async Task<string> ScanCertificatesAsync(int port) =>
        (await ProcessRunner.RunAsync("ssh-keyscan", ["-c", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "127.0.0.1"],
            TimeSpan.FromSeconds(20))).Output;

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 50; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    /// <summary>"type base64" of a public key line, without the comment.</summary>
    private static string KeyOf(string line) => KeyText().Match(line).Value;

    [GeneratedRegex(@"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+")]
    private static partial Regex KeyText();
}
