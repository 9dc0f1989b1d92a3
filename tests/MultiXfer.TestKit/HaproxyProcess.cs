using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MultiXfer.TestKit;

/// <summary>
/// A real HAProxy (Debian's /usr/sbin/haproxy, run in the foreground with -db) with a generated configuration, for
/// tests of the PROXY protocol. The caller writes the frontends and backends; <see cref="StartAsync"/> adds the
/// global section, TCP-mode defaults and a readiness frontend that rejects every connection, and returns once that
/// frontend accepts (HAProxy binds all its listeners together at start-up), so probing never sends a connection
/// through the proxy to a backend. DisposeAsync kills the process and removes its directory.
/// </summary>
public sealed class HaproxyProcess : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/haproxy";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output;

    private HaproxyProcess(Process process, string directory, StringBuilder output, string configuration)
    {
        _process = process;
        _directory = directory;
        _output = output;
        Configuration = configuration;
    }

    /// <summary>The whole configuration file HAProxy was started with.</summary>
    public string Configuration { get; }

    /// <summary>What HAProxy wrote to stdout and stderr so far (warnings, alerts); handy in assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts HAProxy with <paramref name="body"/> (frontend and backend sections, indented or not) after the global
    /// and defaults sections: mode tcp, connect timeout 5 s, client and server timeouts 60 s.
    /// </summary>
    /// <exception cref="InvalidOperationException">HAProxy exited (bad configuration, a port taken) or was not ready in time.</exception>
    public static async Task<HaproxyProcess> StartAsync(string body)
    {
        string directory = Directory.CreateTempSubdirectory("mx-haproxy-").FullName;
        int readyPort = FreePort(IPAddress.Loopback);
        string[] lines =
        [
            "global",
            "    maxconn 200",
            "defaults",
            "    mode tcp",
            "    timeout connect 5s",
            "    timeout client 60s",
            "    timeout server 60s",
            "frontend mx_ready",
            $"    bind 127.0.0.1:{readyPort.ToString(CultureInfo.InvariantCulture)}",
            "    tcp-request connection reject",
            .. body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim().Length == 0 ? "" : IndentedLine(l)),
            "", // HAProxy refuses a last line without its LF
        ];
        string configuration = string.Join('\n', lines);
        string file = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(file, configuration);

        var start = new ProcessStartInfo(ClientTools.Require(Executable))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (string argument in new[] { "-db", "-f", file })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start haproxy");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var haproxy = new HaproxyProcess(process, directory, output, configuration);
        try
        {
            await haproxy.WaitUntilListeningAsync(readyPort);
        }
        catch
        {
            await haproxy.DisposeAsync();
            throw;
        }

        return haproxy;
    }

    /// <summary>Section headers stay at the margin, everything else is indented (HAProxy does not care, people do).</summary>
    private static string IndentedLine(string line)
    {
        string trimmed = line.Trim();
        string[] sections = ["frontend ", "backend ", "listen ", "defaults", "global", "resolvers ", "peers "];
        return sections.Any(s => trimmed.StartsWith(s, StringComparison.Ordinal)) ? trimmed : "    " + trimmed;
    }

    private async Task WaitUntilListeningAsync(int readyPort)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException(
                    $"haproxy exited with {_process.ExitCode.ToString(CultureInfo.InvariantCulture)}:\n{Output}\nconfiguration:\n{Configuration}");
            }

            using var probe = new TcpClient(AddressFamily.InterNetwork);
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, readyPort);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(25);
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"haproxy did not listen within {StartTimeout.TotalSeconds} s ({e.SocketErrorCode}):\n{Output}");
            }
        }
    }

    /// <summary>A port nothing listens on at the moment, on any address (it is released before returning).</summary>
    public static int FreePort(IPAddress? address = null)
    {
        address ??= IPAddress.Any;
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>
    /// <paramref name="count"/> consecutive ports between <paramref name="low"/> and <paramref name="high"/> that can
    /// all be bound on every address at the moment (checked by binding them, released before returning), starting at
    /// a random place so that concurrent tests rarely pick the same range.
    /// </summary>
    public static (int First, int Last) FreePortRange(int count, int low = 40000, int high = 49000)
    {
        int span = high - low - count;
        int offset = Random.Shared.Next(span);
        for (int attempt = 0; attempt < span; attempt += count)
        {
            int first = low + ((offset + attempt) % span);
            var held = new List<Socket>();
            try
            {
                for (int port = first; port < first + count; port++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    held.Add(socket);
                    socket.Bind(new IPEndPoint(IPAddress.Any, port));
                }

                return (first, first + count - 1);
            }
            catch (SocketException)
            {
                // Something has one of them: try the next block.
            }
            finally
            {
                foreach (var socket in held)
                {
                    socket.Dispose();
                }
            }
        }

        throw new InvalidOperationException($"no {count} free consecutive ports between {low} and {high}");
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
