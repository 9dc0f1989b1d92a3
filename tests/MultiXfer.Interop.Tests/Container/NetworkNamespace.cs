using System.Globalization;
using System.Net;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Container;

/// <summary>
/// A network namespace of the test's own, joined to the host's by a veth pair, as Docker's bridge gives a container its
/// own stack: inside, <c>net.ipv4.ip_unprivileged_port_start=0</c> lets an unprivileged process bind 21, 22 and 990,
/// as Docker sets it. The /30 comes from 198.18.0.0/15 (RFC 2544, set aside for benchmarking, routed nowhere), so
/// no traffic leaves the machine; the namespace and both ends of the pair go away on dispose.
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private NetworkNamespace(string name, string hostDevice, IPAddress hostAddress, IPAddress address)
    {
        Name = name;
        HostDevice = hostDevice;
        HostAddress = hostAddress;
        Address = address;
    }

    public string Name { get; }

    public string HostDevice { get; }

    /// <summary>The host side of the pair: where clients' connections come from.</summary>
    public IPAddress HostAddress { get; }

    /// <summary>The namespace's side: where the server listens, and what PASV must advertise.</summary>
    public IPAddress Address { get; }

    public static async Task<NetworkNamespace> CreateAsync()
    {
        int subnet = Random.Shared.Next(0, 16384) * 4;
        string tag = Guid.NewGuid().ToString("N")[..6];
        var host = new IPAddress([198, (byte)(18 + (subnet >> 16)), (byte)((subnet >> 8) & 0xff), (byte)((subnet & 0xff) + 1)]);
        var inside = new IPAddress([198, (byte)(18 + (subnet >> 16)), (byte)((subnet >> 8) & 0xff), (byte)((subnet & 0xff) + 2)]);
        var created = new NetworkNamespace($"mx-ctr-{tag}", $"mxh{tag}", host, inside);
        string peer = $"mxc{tag}";
        try
        {
            await RunAsync("ip", "netns", "add", created.Name);
            await RunAsync("ip", "link", "add", created.HostDevice, "type", "veth", "peer", "name", peer);
            await RunAsync("ip", "link", "set", peer, "netns", created.Name);
            await RunAsync("ip", "addr", "add", $"{host}/30", "dev", created.HostDevice);
            await RunAsync("ip", "link", "set", created.HostDevice, "up");
            await created.ExecAsync("ip", "addr", "add", $"{inside}/30", "dev", peer);
            await created.ExecAsync("ip", "link", "set", peer, "up");
            await created.ExecAsync("ip", "link", "set", "lo", "up");
            await created.ExecAsync("sysctl", "-q", "-w", "net.ipv4.ip_unprivileged_port_start=0");
            return created;
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command inside the namespace, as root; fails the test on a non-zero exit.</summary>
    public Task<ProcessResult> ExecAsync(params string[] command) => RunAsync("ip", ["netns", "exec", Name, .. command]);

    public async ValueTask DisposeAsync()
    {
        // Deleting the namespace destroys its end of the pair, which takes the host's end with it; the explicit delete
        // covers a namespace that never got its end.
        await ProcessRunner.RunAsync("ip", ["netns", "delete", Name]);
        await ProcessRunner.RunAsync("ip", ["link", "delete", HostDevice]);
    }

    private static async Task<ProcessResult> RunAsync(string file, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(file, arguments, TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {result}");
        }

        return result;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Address} via {HostDevice})");
}
