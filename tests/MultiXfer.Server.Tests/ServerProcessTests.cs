using System.Net.Sockets;
using System.Text.RegularExpressions;
using MultiXfer.Auth;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>The binary as an operator runs it: first start, restart, bad configuration, SIGTERM, subcommands.</summary>
public sealed partial class ServerProcessTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] LoopbackListener =
    [
        "--Listeners:ftp:Address=127.0.0.1", "--Listeners:ftp:Port=0", "--Listeners:ftps:Address=127.0.0.1", "--Listeners:ftps:Port=0",
        "--Listeners:ssh:Address=127.0.0.1", "--Listeners:ssh:Port=0", "--Listeners:auto:Address=127.0.0.1", "--Listeners:auto:Port=0",
        "--Ftp:PassivePorts=",
    ];
    private readonly string _work = Directory.CreateTempSubdirectory("mx-proc-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task LoginAsync(int port, string user, string password, string expectedGreeting = "MultiXfer ready")
    {
        var (client, greeting) = await RawFtpClient.ConnectAsync(port);
        await using var _ = client;
        Assert.Equal($"220 {expectedGreeting}", greeting.Text);
        await client.ExpectAsync($"USER {user}", 331);
        await client.ExpectAsync($"PASS {password}", 230);
        await client.ExpectAsync("QUIT", 221);
    }

    [Fact]
    public async Task First_start_creates_the_demo_user_once_and_later_starts_reuse_it()
    {
        string password;
        await using (var first = ServerProcess.Start(_work, LoopbackListener))
        {
            int port = await first.WaitForListenerAsync(StartTimeout);
            password = DemoPassword().Match(first.Output).Groups[1].Value;
            Assert.NotEmpty(password);
            await LoginAsync(port, "demo", password);

            // The demo user is a stored account in the embedded database under the state directory, beside the
            // data root and private to the server; only its hash is kept.
            string database = Path.Combine(_work, "state", "accounts.db");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(database));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_work, "state")));
            await using (var dialect = new MultiXfer.Accounts.SqliteDialect(database))
            {
                var demo = await new MultiXfer.Accounts.SqlAccountStore(dialect, TimeProvider.System).GetAsync("demo", CancellationToken.None);
                Assert.StartsWith("$argon2id$v=19$m=12288,t=3,p=1$", demo!.PasswordHash);
                Assert.NotNull(demo.LastLoginAt);
            }

            Assert.DoesNotContain(password, File.ReadAllText(Path.Combine(_work, "state", "state.json")));
            Assert.False(Directory.Exists(Path.Combine(_work, "data", ".multixfer")));
            Assert.True(Directory.Exists(Path.Combine(_work, "keys")));
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        await using var second = ServerProcess.Start(_work, LoopbackListener);
        int again = await second.WaitForListenerAsync(StartTimeout);
        Assert.DoesNotContain("First start", second.Output);
        await LoginAsync(again, "demo", password);
    }

    [Fact]
    public async Task Invalid_configuration_stops_start_up_with_the_key_and_exit_code_2()
    {
        await using var server = ServerProcess.Start(_work, ["--Listeners:ftp:Port=99999", "--Server:Bogus=1"]);
        Assert.Equal(2, await server.WaitForExitAsync(StartTimeout));
        Assert.Contains("Listeners:ftp:Port: must be 0-65535", server.Error);
        Assert.Contains("Server:Bogus: unknown setting", server.Error);
        Assert.False(Directory.Exists(Path.Combine(_work, "data")));
    }

    [Fact]
    public async Task A_taken_port_fails_start_up_naming_the_listener()
    {
        using var squatter = new TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        int port = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        await using var server = ServerProcess.Start(_work,
            ["--Listeners:ftp:Address=127.0.0.1", $"--Listeners:ftp:Port={port}", "--Listeners:ftps:Port=0", "--Listeners:ssh:Port=0", "--Listeners:auto:Address=127.0.0.1", "--Listeners:auto:Port=0"]);
        Assert.Equal(1, await server.WaitForExitAsync(StartTimeout));
        Assert.Contains($"Listeners:ftp: cannot listen on 127.0.0.1:{port}", server.Error);
    }

    /// <summary>Another MultiXfer on the port is taken too (no SO_REUSEPORT sharing the port between processes).</summary>
    [Fact]
    public async Task A_second_instance_on_the_same_port_fails_start_up()
    {
        await using var first = ServerProcess.Start(_work, LoopbackListener);
        int port = await first.WaitForListenerAsync(StartTimeout);
        string second = Path.Combine(_work, "second");
        Directory.CreateDirectory(second);
        await using var server = ServerProcess.Start(second,
            ["--Listeners:ftp:Address=127.0.0.1", $"--Listeners:ftp:Port={port}", "--Listeners:ftps:Port=0", "--Listeners:ssh:Port=0", "--Listeners:auto:Address=127.0.0.1", "--Listeners:auto:Port=0"]);
        Assert.Equal(1, await server.WaitForExitAsync(StartTimeout));
        Assert.Contains($"Listeners:ftp: cannot listen on 127.0.0.1:{port}", server.Error);
    }

    [Fact]
    public async Task SIGTERM_says_goodbye_to_idle_sessions_and_exits_cleanly()
    {
        await using var server = ServerProcess.Start(_work, LoopbackListener);
        int port = await server.WaitForListenerAsync(StartTimeout);
        var (client, _) = await RawFtpClient.ConnectAsync(port);
        await using var _c = client;
        server.Terminate();
        Assert.Equal(421, (await client.ReadAsync()).Code);
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("stopping: no new connections", server.Output);
    }

    [Fact]
    public async Task Environment_and_command_line_override_the_configuration_in_that_order()
    {
        var environment = new Dictionary<string, string> { ["MULTIXFER__Server__Banner"] = "Banner from the environment" };
        await using (var fromEnvironment = ServerProcess.Start(_work, LoopbackListener, environment))
        {
            int port = await fromEnvironment.WaitForListenerAsync(StartTimeout);
            var (client, greeting) = await RawFtpClient.ConnectAsync(port);
            await client.DisposeAsync();
            Assert.Equal("220 Banner from the environment", greeting.Text);
        }

        await using var both = ServerProcess.Start(_work, [.. LoopbackListener, "--Server:Banner=Banner from the command line"], environment);
        int bothPort = await both.WaitForListenerAsync(StartTimeout);
        var (c, g) = await RawFtpClient.ConnectAsync(bothPort);
        await c.DisposeAsync();
        Assert.Equal("220 Banner from the command line", g.Text);
    }

    [Fact]
    public async Task A_config_file_with_users_and_a_log_file_is_honoured()
    {
        string hash = PasswordHasher.HashPbkdf2("file-user-pw", 10_000);
        string config = Path.Combine(_work, "custom.json");
        File.WriteAllText(config, $$"""
            {
              "Server": { "DataRoot": "{{_work}}/files", "Banner": "Custom" },
              "Listeners": { "main": { "Address": "127.0.0.1", "Port": 0, "Protocol": "ftp" } },
              "Tls": { "CertificateFile": "{{_work}}/keys/tls.crt", "KeyFile": "{{_work}}/keys/tls.key" },
              "Ftp": { "PassivePorts": "" },
              "Logging": { "File": "{{_work}}/logs/mx.log" },
              "Users": { "frank": { "PasswordHash": "{{hash}}", "Home": "/homes/frank" } }
            }
            """);
        await using var server = ServerProcess.Start(_work, ["--config", config]);
        int port = await server.WaitForListenerAsync(StartTimeout);
        await LoginAsync(port, "frank", "file-user-pw", "Custom");
        Assert.True(Directory.Exists(Path.Combine(_work, "files", "homes", "frank")));
        Assert.DoesNotContain("First start", server.Output);
        server.Terminate();
        await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        string log = File.ReadAllText(Directory.GetFiles(Path.Combine(_work, "logs")).Single());
        Assert.Matches(@"\[[0-9a-f]+ 127\.0\.0\.1 frank\] ", log);
        Assert.Matches(@"\[[0-9a-f]+ 127\.0\.0\.1 -\] login succeeded for frank over ftp", log);
        Assert.DoesNotContain("file-user-pw", log);
    }

    [Fact]
    public async Task Hash_password_prints_a_hash_that_verifies()
    {
        var result = await ProcessRunner.RunAsync("dotnet",
            [ServerProcess.ServerAssembly, "hash-password", "--algorithm", "pbkdf2-sha512", "--iterations", "20000"], standardInput: "correct horse\n");
        Assert.Equal(0, result.ExitCode);
        string hash = result.Output.Trim();
        Assert.StartsWith("$pbkdf2-sha512$i=20000$", hash);
        Assert.True(PasswordHasher.TryParse(hash, out var parsed, out _));
        Assert.True(parsed!.Verify("correct horse"));
        Assert.False(parsed.Verify("correct horse "));

        // The default is Argon2id with the tuned parameters.
        var standard = await ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerAssembly, "hash-password"], standardInput: "correct horse\n");
        Assert.Equal(0, standard.ExitCode);
        Assert.StartsWith("$argon2id$v=19$m=12288,t=3,p=1$", standard.Output.Trim());
        Assert.True(PasswordHasher.TryParse(standard.Output.Trim(), out var argon, out _) && argon!.Verify("correct horse"));
        var mixed = await ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerAssembly, "hash-password", "--iterations", "20000"],
            standardInput: "correct horse\n");
        Assert.Equal(2, mixed.ExitCode);
        Assert.Contains("--iterations applies to --algorithm pbkdf2-sha512 only", mixed.Error);

        var empty = await ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerAssembly, "hash-password"], standardInput: "");
        Assert.Equal(2, empty.ExitCode);
        var tooLong = await ProcessRunner.RunAsync("dotnet", [ServerProcess.ServerAssembly, "hash-password"],
            standardInput: new string('x', 1025) + "\n");
        Assert.Equal(2, tooLong.ExitCode);
        Assert.Contains("1024 bytes", tooLong.Error);
    }

    [GeneratedRegex(@"created user 'demo' with password '([^']+)'")]
    private static partial Regex DemoPassword();
}
