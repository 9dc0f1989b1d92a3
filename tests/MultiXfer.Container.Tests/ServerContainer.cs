using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;
using DotNet.Testcontainers.Volumes;

namespace MultiXfer.Container.Tests;

/// <summary>How a test wants its container: own named volumes, a read-only root, a stop timeout, the health check awaited.</summary>
public sealed record ContainerOptions
{
    /// <summary>Named volumes for data, keys and state; null: the anonymous volumes the image's VOLUME makes.</summary>
    public ServerVolumes? Volumes { get; init; }

    /// <summary>docker run --read-only: only the volumes are writable.</summary>
    public bool ReadOnlyRoot { get; init; }

    /// <summary>docker stop waits this long for the process to exit before SIGKILL (Docker's default is 10 s).</summary>
    public int? StopTimeoutSeconds { get; init; }

    /// <summary>Start only returns once Docker reports the image's HEALTHCHECK healthy.</summary>
    public bool AwaitHealthy { get; init; }
}

/// <summary>Named volumes for the three directories the image declares, so a second container can take over the first's.</summary>
public sealed class ServerVolumes : IAsyncDisposable
{
    private ServerVolumes(IVolume data, IVolume keys, IVolume state)
    {
        Data = data;
        Keys = keys;
        State = state;
    }

    public IVolume Data { get; }

    public IVolume Keys { get; }

    public IVolume State { get; }

    public static async Task<ServerVolumes> CreateAsync()
    {
        string id = Guid.NewGuid().ToString("N")[..12];
        var volumes = new ServerVolumes(Build("data"), Build("keys"), Build("state"));
        await volumes.Data.CreateAsync();
        await volumes.Keys.CreateAsync();
        await volumes.State.CreateAsync();
        return volumes;

        IVolume Build(string name) => new VolumeBuilder().WithName($"multixfer-test-{id}-{name}").WithCleanUp(true).Build();
    }

    public async ValueTask DisposeAsync()
    {
        await Data.DisposeAsync();
        await Keys.DisposeAsync();
        await State.DisposeAsync();
    }
}

/// <summary>
/// A running container of the image. The listeners (21, 22, 990, 2100) are published on random ports of
/// 127.0.0.1; the passive FTP range is narrowed (MULTIXFER__Ftp__PassivePorts) to a few ports published on the same
/// port numbers, and PASV advertises 127.0.0.1 (MULTIXFER__Ftp__PassiveAddress), as an operator behind NAT sets it.
/// </summary>
public sealed class ServerContainer : IAsyncDisposable
{
    public const string ConfigFile = "/etc/multixfer/multixfer.json";
    public const string ServerDll = "/app/MultiXfer.Server.dll";
    public const string DataDirectory = "/srv/multixfer/data";
    public const string KeysDirectory = "/srv/multixfer/keys";
    public const string StateDirectory = "/srv/multixfer/state";
    public const int UserId = 10001;
    public const int FtpPort = 21;
    public const int SshPort = 22;
    public const int FtpsPort = 990;
    public const int AutoPort = 2100;

    /// <summary>Passive ports published: each data connection of a test takes one; the server reuses them.</summary>
    private const int PassivePortCount = 10;

    private readonly IContainer _container;

    private ServerContainer(IContainer container, int passiveFirst, int passiveLast)
    {
        _container = container;
        PassiveFirst = passiveFirst;
        PassiveLast = passiveLast;
    }

    public IContainer Container => _container;

    public int PassiveFirst { get; }

    public int PassiveLast { get; }

    /// <summary>The host ports (on 127.0.0.1) the listeners are published on.</summary>
    public ServerPorts Ports => new(Published(FtpPort), Published(SshPort), Published(FtpsPort), Published(AutoPort));

    public static async Task<ServerContainer> StartAsync(IImage image, ContainerOptions? options = null)
    {
        options ??= new ContainerOptions();
        var (first, last) = FreePortRange(PassivePortCount);
        var builder = new ContainerBuilder(image)
            .WithName("multixfer-test-" + Guid.NewGuid().ToString("N")[..12])
            .WithPortBinding(FtpPort, assignRandomHostPort: true)
            .WithPortBinding(SshPort, assignRandomHostPort: true)
            .WithPortBinding(FtpsPort, assignRandomHostPort: true)
            .WithPortBinding(AutoPort, assignRandomHostPort: true)
            .WithEnvironment("MULTIXFER__Ftp__PassivePorts", $"{first}-{last}")
            .WithEnvironment("MULTIXFER__Ftp__PassiveAddress", "127.0.0.1")
            .WithCreateParameterModifier(parameters =>
            {
                // Published on loopback only: nothing of a test server is reachable from the network.
                var host = parameters.HostConfig ?? throw new InvalidOperationException("Testcontainers left HostConfig unset");
                foreach (var bindings in host.PortBindings.Values)
                {
                    foreach (var binding in bindings)
                    {
                        binding.HostIP = "127.0.0.1";
                    }
                }

                host.ReadonlyRootfs = options.ReadOnlyRoot;
                if (options.StopTimeoutSeconds is { } seconds)
                {
                    parameters.StopTimeout = TimeSpan.FromSeconds(seconds);
                }
            });
        for (int port = first; port <= last; port++)
        {
            builder = builder.WithPortBinding(port, port);
        }

        if (options.Volumes is { } volumes)
        {
            builder = builder.WithVolumeMount(volumes.Data, DataDirectory).WithVolumeMount(volumes.Keys, KeysDirectory)
                .WithVolumeMount(volumes.State, StateDirectory);
        }

        var wait = Wait.ForUnixContainer().AddCustomWaitStrategy(new UntilListenersGreet(), w => w.WithTimeout(TimeSpan.FromSeconds(120)));
        if (options.AwaitHealthy)
        {
            // The image's HEALTHCHECK as it is: first probe after its 30 s interval.
            wait = wait.UntilContainerIsHealthy(failingStreak: 2, w => w.WithTimeout(TimeSpan.FromMinutes(3)));
        }

        var container = builder.WithWaitStrategy(wait).Build();
        var server = new ServerContainer(container, first, last);
        try
        {
            await container.StartAsync();
        }
        catch (Exception e)
        {
            string logs = await server.LogsOrReasonAsync();
            await container.DisposeAsync();
            throw new InvalidOperationException($"the container did not become ready: {e.GetType().Name}: {e.Message}\ncontainer log:\n{logs}", e);
        }

        return server;
    }

    public ushort Published(int containerPort) => _container.GetMappedPublicPort(containerPort);

    /// <summary>Runs a command in the container (docker exec, as the image's user).</summary>
    public Task<ExecResult> ExecAsync(params string[] command) => _container.ExecAsync(command);

    /// <summary>
    /// Creates a stored account as the Dockerfile says (docker exec ... accounts add), the password on standard
    /// input; Testcontainers' exec has no standard input, so a shell pipes it. Home "/" is the whole data volume.
    /// </summary>
    public async Task AddAccountAsync(string name, string password, params string[] options)
    {
        var result = await ExecAsync(
        [
            "sh", "-c", $"password=$1; shift; printf '%s\\n' \"$password\" | exec dotnet {ServerDll} accounts add \"$@\" --password-stdin --config {ConfigFile}",
            "sh", password, name, "--home", "/", .. options,
        ]);
        Assert.True(result.ExitCode == 0, $"accounts add {name}: exit {result.ExitCode}\nstdout:\n{result.Stdout}\nstderr:\n{result.Stderr}");
    }

    /// <summary>A file's bytes as the container's file system holds it (docker cp; works on a read-only root too).</summary>
    public Task<byte[]> ReadFileAsync(string path) => _container.ReadFileAsync(path);

    public Task<byte[]> ReadDataFileAsync(string relative) => ReadFileAsync(DataDirectory + "/" + relative);

    /// <summary>The public host keys the server generated into the keys volume, as authorized_keys-style lines.</summary>
    public async Task<IReadOnlyList<string>> HostPublicKeysAsync()
    {
        var keys = new List<string>();
        foreach (string file in new[] { "ssh_host_ed25519_key.pub", "ssh_host_rsa_key.pub" })
        {
            keys.Add(Encoding.UTF8.GetString(await ReadFileAsync(KeysDirectory + "/" + file)).Trim());
        }

        return keys;
    }

    public async Task<string> LogsAsync()
    {
        var (stdout, stderr) = await _container.GetLogsAsync(timestampsEnabled: false);
        return stdout + stderr;
    }

    /// <summary>docker stop: SIGTERM, then SIGKILL after the stop timeout. Returns the process's exit code.</summary>
    public async Task<long> StopAsync()
    {
        await _container.StopAsync();
        return await _container.GetExitCodeAsync();
    }

    public ValueTask DisposeAsync() => _container.DisposeAsync();

    private async Task<string> LogsOrReasonAsync()
    {
        try
        {
            return await LogsAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"(no log: {e.Message})";
        }
    }

    /// <summary>
    /// Consecutive ports free on 127.0.0.1, below Linux's ephemeral range (32768-60999, where Docker also picks its
    /// random host ports), so neither an outgoing connection nor another published port holds one.
    /// </summary>
    private static (int First, int Last) FreePortRange(int count)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int first = Random.Shared.Next(20_000, 32_000 - count);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return (first, first + count - 1);
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free ports found between 20000 and 32000");

        static bool IsFree(int port)
        {
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    /// <summary>Ready when the published SSH port sends its identification line and the FTP port its 220 greeting.</summary>
    private sealed class UntilListenersGreet : IWaitUntil
    {
        public async Task<bool> UntilAsync(IContainer container) =>
            await GreetsAsync(container.GetMappedPublicPort(SshPort), "SSH-2.0-") && await GreetsAsync(container.GetMappedPublicPort(FtpPort), "220");

        private static async Task<bool> GreetsAsync(int port, string prefix)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
                string? line = await reader.ReadLineAsync(cts.Token);
                return line?.StartsWith(prefix, StringComparison.Ordinal) == true;
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // Docker's proxy accepts before the server listens, then closes: not ready yet.
                return false;
            }
        }
    }
}

/// <summary>Host ports (on 127.0.0.1) of a server's listeners.</summary>
public sealed record ServerPorts(int Ftp, int Ssh, int Ftps, int Auto)
{
    public string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
