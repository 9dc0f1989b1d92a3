using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MultiXfer.Auth;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>
/// The server binary on fixed loopback ports (so that a restart is found where clients left it), with alice's
/// password and key, and real clients uploading to it as separate processes: curl over FTP and FTPS, OpenSSH's sftp
/// and scp -O. Rate-limited clients keep an upload in flight for as long as a test needs.
/// </summary>
internal sealed class UploadingClients
{
    public const string Password = "alice-secret";

    public static readonly string[] Protocols = ["ftp", "ftps", "sftp", "scp"];

    private readonly string _work;

    public UploadingClients(string work, int shutdownGraceSeconds = 2)
    {
        _work = work;
        Directory.CreateDirectory(Keys);
        SshTestKeys.CopyHostKeys(Keys);
        (FtpPort, SshPort) = TwoFreePorts();
        string hash = PasswordHasher.HashPbkdf2(Password, 10_000);
        File.WriteAllText(Config, $$"""
            {
              "Server": { "DataRoot": "{{DataRoot}}", "KeysDirectory": "{{Keys}}", "ShutdownGraceSeconds": {{shutdownGraceSeconds}} },
              "Listeners": {
                "ftp": { "Address": "127.0.0.1", "Port": {{FtpPort}}, "Protocol": "ftp" },
                "ssh": { "Address": "127.0.0.1", "Port": {{SshPort}}, "Protocol": "ssh" }
              },
              "Ftp": { "PassivePorts": "" },
              "Logging": { "File": "{{_work}}/logs/server.log" },
              "Users": { "alice": { "PasswordHash": "{{hash}}", "AuthorizedKeys": [ "{{SshTestKeys.ClientPublicKey("id_ed25519")}}" ] } }
            }
            """);
        File.WriteAllLines(KnownHosts, SshTestKeys.HostKeys.Where(k => !k.File.Contains("ecdsa", StringComparison.Ordinal))
            .Select(k => $"[127.0.0.1]:{SshPort} {SshTestKeys.HostPublicKey(k.File)}"));
        Directory.CreateDirectory(Home);
    }

    public int FtpPort { get; }

    public int SshPort { get; }

    public string DataRoot => Path.Combine(_work, "data");

    public string Home => Path.Combine(DataRoot, "alice");

    private string Keys => Path.Combine(_work, "keys");

    private string Config => Path.Combine(_work, "multixfer.json");

    private string KnownHosts => Path.Combine(_work, "known_hosts");

    public string Local(string name) => Path.Combine(_work, name);

    public async Task<ServerProcess> StartServerAsync()
    {
        var server = ServerProcess.Start(_work, ["--config", Config]);
        await server.WaitForListenerAsync(TimeSpan.FromSeconds(60), "ssh");
        return server;
    }

    /// <summary>Every log line so far (all starts of the server append to one file).</summary>
    public string ReadLog() => string.Concat(Directory.GetFiles(Path.Combine(_work, "logs")).Order().Select(f =>
    {
        using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }));

    /// <summary>The command line that uploads <paramref name="local"/> to <paramref name="remote"/> in <paramref name="protocol"/>, at most <paramref name="bytesPerSecond"/> (0: unlimited).</summary>
    public (string File, List<string> Arguments) UploadCommand(string protocol, string local, string remote, int bytesPerSecond)
    {
        string ssh = string.Join(' ', SshOptions());
        int kbits = Math.Max(1, bytesPerSecond * 8 / 1000);
        return protocol switch
        {
            "ftp" or "ftps" => ("curl",
            [
                "--silent", "--show-error", "--user", "alice:" + Password, "--max-time", "300",
                .. protocol == "ftps" ? new[] { "--ssl-reqd", "--insecure" } : [],
                .. bytesPerSecond > 0 ? new[] { "--limit-rate", bytesPerSecond.ToString(CultureInfo.InvariantCulture) } : [],
                "-T", Local(local), $"ftp://127.0.0.1:{FtpPort}/{remote}",
            ]),
            "sftp" => ("sh", ["-c",
                $"echo 'put {Local(local)} {remote}' | sftp -P {SshPort} {ssh} {(bytesPerSecond > 0 ? $"-l {kbits}" : "")} -b - alice@127.0.0.1"]),
            _ => ("scp", [.. SshOptions(), "-P", SshPort.ToString(CultureInfo.InvariantCulture), "-O",
                .. bytesPerSecond > 0 ? new[] { "-l", kbits.ToString(CultureInfo.InvariantCulture) } : [],
                Local(local), $"alice@127.0.0.1:{remote}"]),
        };
    }

    private List<string> SshOptions() =>
    [
        "-F", "/dev/null", "-o", $"UserKnownHostsFile={KnownHosts}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-i", SshTestKeys.ClientKey("id_ed25519"),
    ];

    /// <summary>Starts an upload as a background process.</summary>
    public Process StartUpload(string protocol, string local, string remote, int bytesPerSecond)
    {
        var (file, arguments) = UploadCommand(protocol, local, remote, bytesPerSecond);
        var start = new ProcessStartInfo(ClientTools.Require(file))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _work,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>An upload run to its end; returns the client's result.</summary>
    public Task<ProcessResult> UploadAsync(string protocol, string local, string remote)
    {
        var (file, arguments) = UploadCommand(protocol, local, remote, 0);
        return ProcessRunner.RunAsync(file, arguments, TimeSpan.FromSeconds(120), _work);
    }

    /// <summary>Upload temporaries in alice's home, by size.</summary>
    public long[] Temporaries() =>
        Directory.Exists(Home) ? Directory.GetFiles(Home, ".mxpart-*").Select(f => new FileInfo(f).Length).ToArray() : [];

    /// <summary>Waits until <paramref name="count"/> temporaries hold at least <paramref name="bytes"/> each: the uploads are under way.</summary>
    public async Task WaitForUploadsUnderWayAsync(int count, long bytes, IEnumerable<Process> clients)
    {
        var deadline = Stopwatch.StartNew();
        while (Temporaries().Count(size => size >= bytes) < count)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"only {Temporaries().Length} uploads got under way");
            Assert.False(clients.Any(c => c.HasExited), "a client ended before its upload was under way: " +
                string.Join(", ", clients.Where(c => c.HasExited).Select(c => $"{c.StartInfo.FileName} {string.Join(' ', c.StartInfo.ArgumentList)} exit {c.ExitCode}")));
            await Task.Delay(100);
        }
    }

    /// <summary>Two ports free now, and distinct: both are held while the second is chosen (one after the other, the kernel may hand out the same one twice, and the server refuses a configuration with two listeners on one port).</summary>
    private static (int, int) TwoFreePorts()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
    }
}
