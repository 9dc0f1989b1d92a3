using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Container;

/// <summary>Needs root: network and mount namespaces, and dropping to the image's user, are root's to make.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = "the container-equivalent run needs root (network and mount namespaces); ./test.sh runs as root";
        }
    }
}

/// <summary>
/// Issue 17's container-equivalent smoke, on every run: the server published as the Dockerfile publishes it, started
/// with the image's configuration file as the image starts it (see <see cref="ContainerEquivalent"/>), and driven by
/// real clients from the host's side of the namespace's veth pair, on the image's ports 21, 22, 990 and 2100.
/// </summary>
public sealed partial class ContainerEquivalentTests(PublishedImage image, Xunit.Abstractions.ITestOutputHelper log) : IClassFixture<PublishedImage>, IDisposable
{
    private readonly List<ContainerEquivalent> _started = [];

    private const string User = "smoke";
    private const string Password = "smoke-password-7f3";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private string Address => image.Network.Address.ToString();

    /// <summary>As a user runs it: <c>-e MULTIXFER__Ftp__PassiveAddress=</c> the address clients reach it on.</summary>
    private Dictionary<string, string> Environment => new() { ["MULTIXFER__Ftp__PassiveAddress"] = Address };

    private async Task<string> VolumesWithAccountAsync()
    {
        string volumes = ContainerEquivalent.PrepareVolumes(image);
        // docker exec … accounts add: the same binary and configuration, as the same user, on the same volumes.
        var (exit, output) = await ContainerEquivalent.ExecAsync(image, volumes,
            image.Command("accounts", "add", User, "--password-stdin", "--home", "/", "--key", SshTestKeys.ClientPublicKey("id_ed25519"),
                "--config", image.Recipe.Configuration.Target), Password + "\n");
        Assert.True(exit == 0, $"accounts add: exit {exit}\n{output}");
        return volumes;
    }

    private async Task<ContainerEquivalent> StartAsync(string volumes)
    {
        var server = ContainerEquivalent.Start(image, volumes, Environment);
        _started.Add(server);
        await server.WaitForListenersAsync(4, StartTimeout);
        return server;
    }

    /// <summary>What each server run logged, in the test's output: the first place to look when a client failed.</summary>
    public void Dispose()
    {
        foreach (var server in _started)
        {
            log.WriteLine(server.Output);
        }
    }

    [RootFact]
    public async Task Every_protocol_reaches_the_published_server_running_unprivileged_with_the_image_s_configuration()
    {
        string volumes = await VolumesWithAccountAsync();
        await using var server = await StartAsync(volumes);
        Assert.Equal(image.Recipe.UserId, ContainerEquivalent.UserIdOf(server.ProcessId));

        string client = image.NewDirectory("client");
        byte[] payload = RandomNumberGenerator.GetBytes(1 << 20);
        string original = Path.Combine(client, "payload.bin");
        await File.WriteAllBytesAsync(original, payload);

        // FTP on 21 with the advertised passive address, then explicit FTPS on the same port (lftp).
        await Lftp(client, "set ftp:ssl-allow no; put payload.bin -o up-ftp.bin; get up-ftp.bin -o back-ftp.bin");
        await Lftp(client, "set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:verify-certificate no; "
            + "put payload.bin -o up-ftpes.bin; get up-ftpes.bin -o back-ftpes.bin");
        // Implicit FTPS on 990 and the detecting port 2100 (curl).
        await Curl("-k", $"ftps://{Address}:990/up-ftp.bin", "-o", Path.Combine(client, "back-990.bin"));
        await Curl($"ftp://{Address}:2100/up-ftpes.bin", "-o", Path.Combine(client, "back-2100.bin"));

        // SFTP and SCP on 22 (OpenSSH), the host key pinned from ssh-keyscan.
        string knownHosts = await KnownHostsAsync(client);
        var sftp = await ProcessRunner.RunAsync("sftp", [.. SshOptions(knownHosts, "-P"), "-b", "-", $"{User}@{Address}"],
            TimeSpan.FromSeconds(60), client, "put payload.bin up-sftp.bin\nget up-sftp.bin back-sftp.bin\n");
        Assert.True(sftp.ExitCode == 0, $"sftp: {sftp}");
        var scpUp = await ProcessRunner.RunAsync("scp", [.. SshOptions(knownHosts, "-P"), original, $"{User}@{Address}:up-scp.bin"], TimeSpan.FromSeconds(60), client);
        Assert.True(scpUp.ExitCode == 0, $"scp upload: {scpUp}");
        var scpDown = await ProcessRunner.RunAsync("scp", [.. SshOptions(knownHosts, "-P"), $"{User}@{Address}:up-scp.bin", Path.Combine(client, "back-scp.bin")],
            TimeSpan.FromSeconds(60), client);
        Assert.True(scpDown.ExitCode == 0, $"scp download: {scpDown}");

        foreach (string back in new[] { "back-ftp.bin", "back-ftpes.bin", "back-990.bin", "back-2100.bin", "back-sftp.bin", "back-scp.bin" })
        {
            byte[] received = await File.ReadAllBytesAsync(Path.Combine(client, back));
            Assert.True(payload.SequenceEqual(received), $"{back} differs from what was sent");
        }

        // Everything the server wrote is in the volumes and its own: the uploads, the generated keys, the account database.
        string data = HostPath(volumes, "/srv/multixfer/data");
        foreach (string upload in new[] { "up-ftp.bin", "up-ftpes.bin", "up-sftp.bin", "up-scp.bin" })
        {
            Assert.Equal(image.Recipe.UserId, OwnerOf(Path.Combine(data, upload)));
        }

        string keys = HostPath(volumes, "/srv/multixfer/keys");
        Assert.All(new[] { "tls.crt", "tls.key", "ssh_host_ed25519_key" }, k => Assert.Equal(image.Recipe.UserId, OwnerOf(Path.Combine(keys, k))));
        Assert.Equal(image.Recipe.UserId, OwnerOf(Path.Combine(HostPath(volumes, "/srv/multixfer/state"), "accounts.db")));

        // As with docker run --read-only: the volumes take writes, the image's own directories and the root do not.
        var (_, writes) = await ContainerEquivalent.ExecAsync(image, volumes, ["sh", "-c",
            "for p in /srv/multixfer/data/probe /srv/multixfer/probe /tmp/probe; do touch $p 2>/dev/null && echo \"$p writable\" || echo \"$p read-only\"; done"]);
        Assert.Contains("/srv/multixfer/data/probe writable", writes);
        Assert.Contains("/srv/multixfer/probe read-only", writes);
        Assert.Contains("/tmp/probe read-only", writes);

        // The image's HEALTHCHECK, run as Docker runs it: inside the container, as its user.
        var (health, healthOutput) = await ContainerEquivalent.ExecAsync(image, volumes, image.HealthCheckCommand());
        Assert.True(health == 0, $"HEALTHCHECK: exit {health}\n{healthOutput}");
    }

    [RootFact]
    public async Task A_restart_on_the_same_volumes_keeps_keys_certificate_and_accounts_and_SIGTERM_lets_a_transfer_finish()
    {
        string volumes = await VolumesWithAccountAsync();
        string client = image.NewDirectory("client");
        string hostKeys;
        string certificate;
        await using (var first = await StartAsync(volumes))
        {
            hostKeys = await HostKeyFingerprintsAsync();
            certificate = await CertificateFingerprintAsync();
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        // A file big enough that a paced download is still running when the stop comes.
        byte[] large = RandomNumberGenerator.GetBytes(12 << 20);
        string stored = Path.Combine(HostPath(volumes, "/srv/multixfer/data"), "large.bin");
        await File.WriteAllBytesAsync(stored, large);

        await using var second = await StartAsync(volumes);
        Assert.Equal(hostKeys, await HostKeyFingerprintsAsync());
        Assert.Equal(certificate, await CertificateFingerprintAsync());

        // docker stop: SIGTERM while a download is in flight; the grace period lets it finish and the process exits 0.
        string target = Path.Combine(client, "large.bin");
        var download = ProcessRunner.RunAsync("curl", ["-sS", "--fail", "-u", $"{User}:{Password}", "--limit-rate", "4M",
            $"ftp://{Address}:21/large.bin", "-o", target], TimeSpan.FromSeconds(60));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((!File.Exists(target) || new FileInfo(target).Length == 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(target) && new FileInfo(target).Length < large.Length, "the download should be under way when the stop comes");
        second.Terminate();
        var result = await download;
        Assert.True(result.ExitCode == 0, $"the download in flight at SIGTERM: {result}");
        byte[] downloaded = await File.ReadAllBytesAsync(target);
        Assert.True(large.SequenceEqual(downloaded), $"the download in flight at SIGTERM arrived with {downloaded.Length} of {large.Length} bytes");
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    private async Task Lftp(string directory, string commands)
    {
        var result = await ProcessRunner.RunAsync("lftp", ["-u", $"{User},{Password}", "-e",
            $"set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 20; {commands}; quit", $"ftp://{Address}:21"],
            TimeSpan.FromSeconds(90), directory);
        Assert.True(result.ExitCode == 0, $"lftp {commands}: {result}");
    }

    private async Task Curl(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("curl", ["-sS", "--fail", "--ftp-pasv", "-u", $"{User}:{Password}", .. arguments], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"curl {string.Join(' ', arguments)}: {result}");
    }

    private async Task<string> KnownHostsAsync(string directory)
    {
        var scan = await ProcessRunner.RunAsync("ssh-keyscan", ["-p", "22", "-T", "20", Address], TimeSpan.FromSeconds(60));
        Assert.True(scan.ExitCode == 0 && scan.Output.Length > 0, $"ssh-keyscan: {scan}");
        string file = Path.Combine(directory, "known_hosts");
        await File.WriteAllTextAsync(file, scan.Output);
        return file;
    }

    private async Task<string> HostKeyFingerprintsAsync()
    {
        string directory = image.NewDirectory("scan");
        var fingerprints = await ProcessRunner.RunAsync("ssh-keygen", ["-l", "-f", await KnownHostsAsync(directory)]);
        Assert.True(fingerprints.ExitCode == 0, $"ssh-keygen -l: {fingerprints}");
        return string.Join('\n', fingerprints.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    private async Task<string> CertificateFingerprintAsync()
    {
        var handshake = await ProcessRunner.RunAsync("openssl", ["s_client", "-connect", $"{Address}:990"], TimeSpan.FromSeconds(30), standardInput: "");
        var certificate = PemCertificate().Match(handshake.Output);
        Assert.True(certificate.Success, $"openssl s_client on 990: {handshake}");
        var fingerprint = await ProcessRunner.RunAsync("openssl", ["x509", "-noout", "-fingerprint", "-sha256"], standardInput: certificate.Value);
        Assert.True(fingerprint.ExitCode == 0, fingerprint.ToString());
        return fingerprint.Output.Trim();
    }

    private static string[] SshOptions(string knownHosts, string portOption) =>
    [
        "-F", "/dev/null", portOption, "22", "-o", $"UserKnownHostsFile={knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "PreferredAuthentications=publickey", "-o", "IdentitiesOnly=yes",
        "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR", "-i", SshTestKeys.ClientKey("id_ed25519"),
    ];

    /// <summary>Where an image path inside a volume is in the host directory standing for the volumes.</summary>
    private string HostPath(string volumes, string imagePath)
    {
        string top = "/" + image.Recipe.WorkingDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries)[0];
        return Path.Combine(volumes, Path.GetRelativePath(top, imagePath));
    }

    private static int OwnerOf(string path)
    {
        var stat = ProcessRunner.RunAsync("stat", ["-c", "%u", path]).GetAwaiter().GetResult();
        Assert.True(stat.ExitCode == 0, $"stat {path}: {stat}");
        return int.Parse(stat.Output.Trim(), CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----")]
    private static partial Regex PemCertificate();
}
