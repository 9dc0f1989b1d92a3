using System.Net;

namespace MultiXfer.TestKit;

/// <summary>
/// A throwaway PostgreSQL cluster from Debian's packages (./test.sh installs postgresql): initdb in a temporary
/// directory, listening on a free loopback port only, trust authentication for loopback. As root it runs as the
/// postgres account (initdb refuses root). One per test assembly; each test class takes a database of its own.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _directory;
    private readonly bool _asPostgres;
    private int _databases;

    private PostgresServer(string bin, string directory, bool asPostgres, int port)
    {
        _bin = bin;
        _directory = directory;
        _asPostgres = asPostgres;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The newest installed PostgreSQL's bin directory, or null.</summary>
    public static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderBy(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out int v) ? v : 0)
                .LastOrDefault()
            : null;

    public static async Task<PostgresServer> StartAsync()
    {
        string bin = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (./test.sh installs Debian's postgresql package)");
        bool root = Environment.UserName == "root";
        string directory = Directory.CreateTempSubdirectory("mx-pg-").FullName;
        string data = Path.Combine(directory, "data");
        if (root)
        {
            await RunCheckedAsync("chown", ["postgres:postgres", directory]);
        }

        var server = new PostgresServer(bin, directory, root, HaproxyProcess.FreePort(IPAddress.Loopback));
        await server.RunAsync("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
        await server.RunAsync("pg_ctl", ["-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "start", "-o", server.Options]);
        return server;
    }

    /// <summary>A new empty database and the Npgsql connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = $"mx_test_{Interlocked.Increment(ref _databases)}_{Environment.ProcessId}";
        await RunAsync("createdb", ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", name]);
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name};Pooling=true;Maximum Pool Size=50";
    }

    /// <summary>Stops the cluster (fast shutdown: clients are disconnected), as an outage would.</summary>
    public Task StopAsync() => RunAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "fast", "-w", "stop"]);

    /// <summary>Starts the stopped cluster again on the same port.</summary>
    public Task StartAgainAsync() =>
        RunAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "start", "-o", Options]);

    private string Options => $"-h 127.0.0.1 -p {Port} -k {_directory} -c fsync=off -c max_connections=200";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private Task RunAsync(string tool, IEnumerable<string> arguments) => _asPostgres
        ? RunCheckedAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments])
        : RunCheckedAsync(Path.Combine(_bin, tool), arguments);

    private static async Task RunCheckedAsync(string file, IEnumerable<string> arguments)
    {
        var result = await ProcessRunner.RunAsync(file, arguments, TimeSpan.FromSeconds(120));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Error}{result.Output}");
        }
    }
}

/// <summary>One PostgreSQL cluster for a test class (IClassFixture); each test takes a database of its own.</summary>
public sealed class PostgresFixture : Xunit.IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
