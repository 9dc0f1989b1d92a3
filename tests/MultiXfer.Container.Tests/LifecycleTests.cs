using DotNet.Testcontainers.Containers;
using static MultiXfer.Container.Tests.Checks;

namespace MultiXfer.Container.Tests;

/// <summary>What running the image in production relies on, each test with a container of its own.</summary>
[Collection(ContainerCollection.Name)]
public sealed class LifecycleTests(MultiXferImage image)
{
    /// <summary>The image's HEALTHCHECK (the server's own CLI asking /readyz) as it is: healthy after its first 30 s interval.</summary>
    [DockerFact]
    public async Task Healthcheck_turns_healthy()
    {
        await using var server = await ServerContainer.StartAsync(image.Image, new ContainerOptions { AwaitHealthy = true });

        Assert.True(server.Container.Health == TestcontainersHealthStatus.Healthy,
            $"health {server.Container.Health} after the wait; container log:\n{await server.LogsAsync()}");
        var probe = await server.ExecAsync("dotnet", ServerContainer.ServerDll, "health", "ready", "--config", ServerContainer.ConfigFile);
        Assert.True(probe.ExitCode == 0, $"the health command itself: exit {probe.ExitCode}\n{probe.Stdout}\n{probe.Stderr}");
    }

    /// <summary>
    /// A new container on the first one's volumes (a restart, or an upgrade of the image) serves the same SSH host
    /// keys and TLS certificate, and knows the accounts and files made before.
    /// </summary>
    [DockerFact]
    public async Task A_new_container_on_the_same_volumes_keeps_host_keys_certificate_accounts_and_files()
    {
        await using var volumes = await ServerVolumes.CreateAsync();
        var login = Login.Random("kept");
        string name = Unique("kept") + ".bin";
        byte[] content;
        IReadOnlyList<string> hostKeys, scanned;
        string certificate;

        await using (var first = await ServerContainer.StartAsync(image.Image, new ContainerOptions { Volumes = volumes }))
        {
            await first.AddAccountAsync(login.User, login.Password);
            hostKeys = await first.HostPublicKeysAsync();
            scanned = await TransferClients.KeyscanAsync(first.Ports.Ssh);
            Assert.Equal(hostKeys.Select(TransferClients.KeyOnly).Order(StringComparer.Ordinal), scanned);
            certificate = await TransferClients.CertificateSha256Async(first.Ports.Ftps);
            using var clients = new TransferClients(first.Ports, hostKeys);
            content = clients.LocalFile("up.bin", 500_000);
            AssertOk(await clients.SftpAsync(login, [$"put up.bin {name}"]), "sftp upload to the first container");
            Assert.True(await first.StopAsync() == 0, $"the first container did not exit 0 on docker stop; log:\n{await first.LogsAsync()}");
        }

        await using var second = await ServerContainer.StartAsync(image.Image, new ContainerOptions { Volumes = volumes });
        var scannedAgain = await TransferClients.KeyscanAsync(second.Ports.Ssh);
        Assert.True(scanned.SequenceEqual(scannedAgain),
            $"the host keys changed across the restart:\nbefore:\n{string.Join('\n', scanned)}\nafter:\n{string.Join('\n', scannedAgain)}");
        string certificateAgain = await TransferClients.CertificateSha256Async(second.Ports.Ftps);
        Assert.True(certificate == certificateAgain, $"the TLS certificate changed across the restart: SHA-256 {certificate}, then {certificateAgain}");

        // Host keys pinned from before the restart: strict checking would refuse a changed key.
        using var again = new TransferClients(second.Ports, hostKeys);
        var download = await again.SftpAsync(login, [$"get {name} down.bin"]);
        AssertOk(download, "sftp login with the account made before the restart");
        AssertLocalHolds(again.Local("down.bin"), content);
    }

    /// <summary>
    /// docker stop (SIGTERM, then SIGKILL after the stop timeout, 45 s as deploy/docker-compose.yml's
    /// stop_grace_period): downloads in flight, paced by the account's rate limit, finish whole within
    /// Server:ShutdownGraceSeconds (30) and the process exits 0.
    /// </summary>
    [DockerFact]
    public async Task Docker_stop_lets_in_flight_downloads_finish()
    {
        await using var server = await ServerContainer.StartAsync(image.Image, new ContainerOptions { StopTimeoutSeconds = 45 });
        var login = Login.Random("slow");
        const int Size = 4_000_000;
        // Shared by the account's sessions: both downloads together take about 8 s.
        await server.AddAccountAsync(login.User, login.Password, "--download-bytes-per-second", "1000000");
        using var clients = new TransferClients(server.Ports, await server.HostPublicKeysAsync());
        byte[] content = clients.LocalFile("up.bin", Size);
        AssertOk(await clients.CurlAsync(login, "-T", "up.bin", $"ftp://127.0.0.1:{server.Ports.Ftp}/paced.bin"), "curl FTP upload");

        var ftp = clients.CurlAsync(login, "-o", "ftp-down.bin", $"ftp://127.0.0.1:{server.Ports.Ftp}/paced.bin");
        var sftp = clients.SftpAsync(login, ["get paced.bin sftp-down.bin"]);
        long ftpBytes = 0, sftpBytes = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((ftpBytes < 100_000 || sftpBytes < 100_000) && DateTime.UtcNow < deadline && !ftp.IsCompleted && !sftp.IsCompleted)
        {
            await Task.Delay(100);
            ftpBytes = Length(clients.Local("ftp-down.bin"));
            sftpBytes = Length(clients.Local("sftp-down.bin"));
        }

        Assert.True(ftpBytes is >= 100_000 and < Size && sftpBytes is >= 100_000 and < Size,
            $"both downloads should be under way, not done, when docker stop is sent: FTP {ftpBytes}, SFTP {sftpBytes} of {Size} bytes");
        long exitCode = await server.StopAsync();

        string log = await server.LogsAsync();
        AssertOk(await ftp, "the FTP download in flight during docker stop");
        AssertOk(await sftp, "the SFTP download in flight during docker stop");
        AssertLocalHolds(clients.Local("ftp-down.bin"), content);
        AssertLocalHolds(clients.Local("sftp-down.bin"), content);
        Assert.True(log.Contains("stopping: no new connections", StringComparison.Ordinal), $"the server never logged the SIGTERM drain:\n{log}");
        Assert.True(exitCode == 0, $"exit code {exitCode} after docker stop (137: killed at the stop timeout); log:\n{log}");

        static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
    }

    /// <summary>docker run --read-only: the server, its account CLI and transfers need nothing writable beyond the three volumes.</summary>
    [DockerFact]
    public async Task Read_only_root_filesystem_with_writable_volumes_serves_transfers()
    {
        await using var server = await ServerContainer.StartAsync(image.Image, new ContainerOptions { ReadOnlyRoot = true });
        var touch = await server.ExecAsync("touch", "/srv/multixfer/read-only-probe");
        Assert.True(touch.ExitCode != 0 && touch.Stderr.Contains("Read-only file system", StringComparison.Ordinal),
            $"the root file system is writable (touch /srv/multixfer: exit {touch.ExitCode}, {touch.Stderr.Trim()}): the read-only flag did not apply");

        var login = Login.Random("ro");
        await server.AddAccountAsync(login.User, login.Password);
        using var clients = new TransferClients(server.Ports, await server.HostPublicKeysAsync());
        byte[] content = clients.LocalFile("up.bin", 1_000_000);
        AssertOk(await clients.SftpAsync(login, ["put up.bin sftp.bin", "get sftp.bin sftp-down.bin"]), "sftp on a read-only root");
        await AssertServerHoldsAsync(server, "sftp.bin", content);
        AssertLocalHolds(clients.Local("sftp-down.bin"), content);

        string url = $"ftp://127.0.0.1:{server.Ports.Ftp}/ftp.bin";
        AssertOk(await clients.CurlAsync(login, "-T", "up.bin", url), "curl FTP upload on a read-only root");
        AssertOk(await clients.CurlAsync(login, "-o", "ftp-down.bin", url), "curl FTP download on a read-only root");
        await AssertServerHoldsAsync(server, "ftp.bin", content);
        AssertLocalHolds(clients.Local("ftp-down.bin"), content);
    }
}
