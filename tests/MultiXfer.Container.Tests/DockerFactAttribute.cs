using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MultiXfer.Container.Tests;

/// <summary>
/// A fact that needs a Docker engine. Without one it is reported as skipped, with the reason, never as passed:
/// xunit 2 has no dynamic skip, so the engine is probed once per test process (quickly: a connect and GET /_ping
/// with a short timeout) when the attributes are constructed at discovery. Where an engine must be there (CI
/// with Docker), MULTIXFER_REQUIRE_DOCKER=1 turns the skip into a failure that gives the same reason.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public const string RequireSwitch = "MULTIXFER_REQUIRE_DOCKER";

    public DockerFactAttribute()
    {
        if (DockerEngine.Unreachable is { } why && Environment.GetEnvironmentVariable(RequireSwitch) != "1")
        {
            Skip = "no Docker engine reachable: " + why;
        }
    }
}

/// <summary>
/// Whether a Docker engine answers where Testcontainers looks for one: DOCKER_HOST, docker.host in
/// ~/.testcontainers.properties, else the default socket, Docker Desktop's and rootless Docker's. The tests reach
/// the container's published ports on 127.0.0.1, so an engine on another machine counts as unreachable here.
/// </summary>
public static class DockerEngine
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private static readonly Lazy<string?> Problem = new(Probe);

    /// <summary>Null when an engine answered its ping; otherwise why not.</summary>
    public static string? Unreachable => Problem.Value;

    private static string? Probe()
    {
        string? host = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } variable ? variable : PropertiesDockerHost();
        if (host is not null)
        {
            return ProbeHost(host);
        }

        var sockets = DefaultSockets().Distinct(StringComparer.Ordinal).ToList();
        var present = sockets.Where(File.Exists).ToList();
        if (present.Count == 0)
        {
            return $"DOCKER_HOST is not set and there is no socket at {string.Join(", ", sockets)}";
        }

        var failures = new List<string>();
        foreach (string socket in present)
        {
            if (Ping(new UnixDomainSocketEndPoint(socket), socket) is not { } failure)
            {
                return null;
            }

            failures.Add(failure);
        }

        return string.Join("; ", failures);
    }

    private static string? ProbeHost(string host)
    {
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri))
        {
            return $"DOCKER_HOST={host} is not an address";
        }

        switch (uri.Scheme)
        {
            case "unix":
                return File.Exists(uri.AbsolutePath) ? Ping(new UnixDomainSocketEndPoint(uri.AbsolutePath), host) : $"{host}: no such socket";
            case "tcp":
                if (!IPAddress.TryParse(uri.Host, out var address))
                {
                    address = uri.Host == "localhost" ? IPAddress.Loopback : null;
                }

                if (address is null || !IPAddress.IsLoopback(address))
                {
                    return $"DOCKER_HOST={host} is not on this machine, and these tests reach the container's ports on 127.0.0.1";
                }

                var endPoint = new IPEndPoint(address, uri.Port);
                // Behind TLS a plain GET cannot be answered; a TCP connection is as far as a quick probe goes.
                return Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY") is { Length: > 0 } and not "0"
                    ? Connect(endPoint, host)
                    : Ping(endPoint, host);
            default:
                return $"DOCKER_HOST={host}: only unix:// and tcp:// are probed";
        }
    }

    /// <summary>GET /_ping over HTTP/1.0: the engine answers "200 OK" with the body "OK".</summary>
    private static string? Ping(EndPoint endPoint, string name)
    {
        try
        {
            return Task.Run(async () =>
            {
                using var cts = new CancellationTokenSource(Timeout);
                using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream,
                    endPoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
                await socket.ConnectAsync(endPoint, cts.Token);
                await socket.SendAsync(Encoding.ASCII.GetBytes("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"), SocketFlags.None, cts.Token);
                var response = new StringBuilder();
                byte[] buffer = new byte[1024];
                int read;
                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0 && response.Length < 16_384)
                {
                    response.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                string text = response.ToString();
                string status = text.Split("\r\n", 2)[0];
                return status.StartsWith("HTTP/1.", StringComparison.Ordinal) && status.Contains(" 200", StringComparison.Ordinal)
                    ? null
                    : $"{name} answered GET /_ping with \"{status}\"";
            }).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return $"{name} did not answer GET /_ping within {Timeout.TotalSeconds:0} s";
        }
        catch (SocketException e)
        {
            return $"{name}: {e.Message}";
        }
    }

    private static string? Connect(EndPoint endPoint, string name)
    {
        try
        {
            using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var cts = new CancellationTokenSource(Timeout);
            socket.ConnectAsync(endPoint, cts.Token).AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (OperationCanceledException)
        {
            return $"{name} did not accept a connection within {Timeout.TotalSeconds:0} s";
        }
        catch (SocketException e)
        {
            return $"{name}: {e.Message}";
        }
    }

    /// <summary>docker.host from ~/.testcontainers.properties, which Testcontainers reads too.</summary>
    private static string? PropertiesDockerHost()
    {
        string file = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".testcontainers.properties");
        if (!File.Exists(file))
        {
            return null;
        }

        foreach (string line in File.ReadLines(file))
        {
            string[] parts = line.Split('=', 2);
            if (parts.Length == 2 && parts[0].Trim() == "docker.host" && parts[1].Trim() is { Length: > 0 } value)
            {
                return value;
            }
        }

        return null;
    }

    private static IEnumerable<string> DefaultSockets()
    {
        yield return "/var/run/docker.sock";
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        yield return Path.Combine(home, ".docker", "run", "docker.sock");
        yield return Path.Combine(home, ".docker", "desktop", "docker.sock");
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime)
        {
            yield return Path.Combine(runtime, "docker.sock");
        }

        yield return $"/run/user/{Environment.GetEnvironmentVariable("UID") ?? GetUid()}/docker.sock";
    }

    private static string GetUid()
    {
        try
        {
            // The real uid, as rootless Docker names its runtime directory.
            return File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
                .Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[1];
        }
        catch (IOException)
        {
            return "0";
        }
    }
}
