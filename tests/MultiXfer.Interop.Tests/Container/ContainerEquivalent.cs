using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Container;

/// <summary>
/// One run of the published server the way the image runs it: in the test's network namespace; in a private mount
/// namespace where host directories are bound at the image's volume paths and everything else is read-only (the root
/// file system, and the image's own directories above the volumes), as <c>docker run --read-only</c> with volumes;
/// as the image's unprivileged user and group, with no supplementary groups; in the image's working directory; with
/// the environment a container starts with (PATH, HOME, DOTNET_RUNNING_IN_CONTAINER) and the overrides a user would
/// pass with <c>-e</c>.
/// </summary>
internal sealed partial class ContainerEquivalent : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ContainerEquivalent(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int ProcessId => _process.Id;

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

    /// <summary>Starts the entry point (or, with <paramref name="command"/>, another use of the same binary, as docker exec would).</summary>
    public static ContainerEquivalent Start(PublishedImage image, string volumes, IDictionary<string, string> environment,
        IReadOnlyList<string>? command = null, string? standardInput = null)
    {
        var start = Wrapped(image, volumes, environment, command ?? image.Command());
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the container-equivalent run");
        var run = new ContainerEquivalent(process);
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }

        process.StandardInput.Close();
        return run;
    }

    /// <summary>Runs another use of the image's binary to its end (docker exec), returning its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> ExecAsync(PublishedImage image, string volumes, IReadOnlyList<string> command,
        string? standardInput = null)
    {
        await using var run = Start(image, volumes, new Dictionary<string, string>(), command, standardInput);
        int exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exit, run.Output);
    }

    /// <summary>
    /// The volumes' host directory, laid out as the image declares them and owned by its user (as Docker copies a
    /// fresh named volume's ownership from the image).
    /// </summary>
    public static string PrepareVolumes(PublishedImage image)
    {
        string root = image.NewDirectory("volumes");
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        string mountPoint = MountPoint(image.Recipe);
        foreach (string volume in image.Recipe.Volumes)
        {
            Directory.CreateDirectory(Path.Combine(root, Path.GetRelativePath(mountPoint, volume)));
        }

        foreach (string directory in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
        {
            Chown(directory, image.Recipe.UserId, image.Recipe.GroupId);
        }

        return root;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for every listener the configuration names to log that it is bound; returns nothing on success.</summary>
    public async Task WaitForListenersAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (ListenerLine().Matches(Output).Count < count)
        {
            if (_process.HasExited || deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"the server did not bind {count} listeners (exited: {_process.HasExited}):\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGTERM, as <c>docker stop</c> sends it (the image's STOPSIGNAL).</summary>
    public void Terminate() => Signal(_process.Id, 15);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The user id a process runs as (the real one, from /proc).</summary>
    public static int UserIdOf(int processId) => int.Parse(File.ReadLines($"/proc/{processId}/status")
        .First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static ProcessStartInfo Wrapped(PublishedImage image, string volumes, IDictionary<string, string> environment, IReadOnlyList<string> command)
    {
        var recipe = image.Recipe;
        // ip netns exec → unshare (new mount namespace) → sh lays out the image's directories → setpriv drops to the
        // image's user → the command. Each step execs the next, so the process started here is the server itself and a
        // signal sent to it reaches the server, as docker stop's does. The script: a tmpfs at the volumes' top
        // directory stands for the image's layer there (the working directory, owned by the image's user), each volume
        // is bound from its host directory, then that layer and the root file system are made read-only.
        const string Layout = """
            top=$1; work=$2; owner=$3; count=$4; shift 4
            mount -t tmpfs -o mode=0755 image-layer "$top" && mkdir -p "$work" && chown "$owner" "$work" || exit 125
            while [ "$count" -gt 0 ]; do
              mkdir -p "${1#*=}" && chown "$owner" "${1#*=}" && mount --bind "${1%%=*}" "${1#*=}" || exit 125
              shift; count=$((count - 1))
            done
            mount -o remount,ro "$top" && mount -o remount,ro,bind / && cd "$work" && exec "$@"
            """;
        string top = MountPoint(recipe);
        var start = new ProcessStartInfo("ip") { UseShellExecute = false };
        string[] prefix = ["netns", "exec", image.Network.Name, "unshare", "--mount", "--propagation", "private", "--", "sh", "-c", Layout, "sh",
            top, recipe.WorkingDirectory, $"{recipe.UserId}:{recipe.GroupId}", recipe.Volumes.Count.ToString(CultureInfo.InvariantCulture)];
        foreach (string argument in prefix
                     .Concat(recipe.Volumes.Select(v => $"{Path.Combine(volumes, Path.GetRelativePath(top, v))}={v}"))
                     .Concat(["setpriv", $"--reuid={recipe.UserId}", $"--regid={recipe.GroupId}", "--clear-groups", "--"]))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["HOME"] = recipe.WorkingDirectory;
        start.Environment["DOTNET_RUNNING_IN_CONTAINER"] = "true";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>The top directory holding every volume and the working directory ("/srv" for /srv/multixfer/...).</summary>
    private static string MountPoint(DockerfileRecipe recipe)
    {
        string top = "/" + recipe.WorkingDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries)[0];
        Assert.All(recipe.Volumes, v => Assert.StartsWith(top + "/", v));
        Assert.True(Directory.Exists(top), $"{top} must exist on this machine to stand for the image's volumes");
        return top;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static void Chown(string path, int user, int group)
    {
        if (Lchown(path, user, group) != 0)
        {
            throw new IOException($"chown {path}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
    }

    [GeneratedRegex(@"listener \S+ \([a-z-]+\) on \S+:\d+")]
    private static partial Regex ListenerLine();

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Signal(int pid, int signal);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int Lchown(string path, int owner, int group);
}
