using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>The real server binary started as a process, the way an operator starts it.</summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private ServerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output => Snapshot(_output);

    public string Error => Snapshot(_error);

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// The server's own build output (with its runtimeconfig), in the same configuration as this test assembly:
    /// tests/X/bin/CONFIG/net10.0 maps to src/MultiXfer.Server/bin/CONFIG/net10.0.
    /// </summary>
    public static string ServerAssembly
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory);
            string framework = output.Name, configuration = output.Parent!.Name;
            string path = RepositoryRoot.Combine("src", "MultiXfer.Server", "bin", configuration, framework, "MultiXfer.Server.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("build the server first", path);
        }
    }

    /// <param name="underNohup">Started through nohup(1), as operators do: SIGHUP arrives ignored (nohup execs, so the
    /// process id is the server's).</param>
    public static ServerProcess Start(string workingDirectory, IEnumerable<string> arguments, IDictionary<string, string>? environment = null,
        bool underNohup = false)
    {
        var start = new ProcessStartInfo(underNohup ? "nohup" : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (underNohup)
        {
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(ServerAssembly);
        var given = arguments.ToList();
        foreach (string argument in given)
        {
            start.ArgumentList.Add(argument);
        }

        // Tests run servers side by side: each admin API on a free port unless the test names one (a subcommand such
        // as sftp-server runs no API).
        if ((given.Count == 0 || given[0].StartsWith("--", StringComparison.Ordinal)) && !given.Any(a => a.StartsWith("--Admin:", StringComparison.Ordinal)))
        {
            start.ArgumentList.Add("--Admin:Port=0");
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new ServerProcess(Process.Start(start)!);
    }

    /// <summary>Waits for the listener line of <paramref name="protocol"/> and returns the port the server bound.</summary>
    public async Task<int> WaitForListenerAsync(TimeSpan timeout, string protocol = "ftp")
    {
        var deadline = Stopwatch.StartNew();
        var line = new Regex($@"listener \S+ \({Regex.Escape(protocol)}\) on [^:\s]+:(\d+)");
        while (deadline.Elapsed < timeout)
        {
            var match = line.Match(Output);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"server exited with {_process.ExitCode}:\n{Output}\n{Error}");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"server did not start listening:\n{Output}\n{Error}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as a container runtime or systemd sends it.</summary>
    public void Terminate() => Kill(_process.Id, 15);

    /// <summary>SIGHUP: reload.</summary>
    public void HangUp() => Kill(_process.Id, 1);

    /// <summary>SIGKILL: a crash, nothing flushed or closed by the server.</summary>
    public void Crash() => Kill(_process.Id, 9);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private static void Append(StringBuilder target, string? line)
    {
        if (line is not null)
        {
            lock (target)
            {
                target.AppendLine(line);
            }
        }
    }

    private static string Snapshot(StringBuilder source)
    {
        lock (source)
        {
            return source.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
