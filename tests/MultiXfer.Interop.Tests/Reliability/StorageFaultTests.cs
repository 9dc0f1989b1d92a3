using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;
using Xunit.Abstractions;

namespace MultiXfer.Interop.Tests.Reliability;

/// <summary>A server whose storage (local or memory) has a fault injector under every user's session layer.</summary>
public abstract class StorageFaultServer(string storage) : IAsyncLifetime
{
    public StorageFaults Faults { get; } = new();

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(settings =>
    {
        settings["Server:Storage"] = storage;
        settings["Server:FsyncUploads"] = "true";
        settings["Users:alice:Permissions:/"] = "*";
    }, faults: Faults);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class LocalStorageFaultServer() : StorageFaultServer("local");

public sealed class MemoryStorageFaultServer() : StorageFaultServer("memory");

/// <summary>
/// Each storage fault an upload can meet (disk full, quota, I/O error, file too large, read-only file system, storage
/// gone, a failed rename or fsync at the commit), injected under the session layer of a running server and met by
/// raw FTP and raw SFTP (versions 3 and 6) clients: the reply names the failure, nothing appears under the final
/// name, no temporary stays, and the session goes on.
/// </summary>
public abstract class StorageFaultTests : IDisposable
{
    private const int Enospc = 28, Edquot = 122, Eio = 5, Efbig = 27, Erofs = 30, Estale = 116;
    private readonly StorageFaultServer _fixture;
    private readonly ITestOutputHelper _output;
    private readonly string _work;
    private readonly byte[] _content = SshTestSupport.RandomBytes(512 * 1024);

    protected StorageFaultTests(StorageFaultServer fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        _work = SftpTestSupport.NewWorkDirectory(fixture.Server);
        File.WriteAllBytes(Path.Combine(_work, "upload.bin"), _content);
        File.WriteAllBytes(Path.Combine(_work, "small.bin"), SshTestSupport.RandomBytes(1000));
    }

    private TestServer Server => _fixture.Server;

    private UploadClients Clients => new(Server, _work);

    /// <summary>A fault by name, as the theories list them (a write fault hits the third write, after two went through).</summary>
    private static Fault FaultNamed(string name) => name switch
    {
        "enospc" => new Fault(FaultOperation.Write, Enospc, Nth: 3),
        "edquot" => new Fault(FaultOperation.Write, Edquot, Nth: 3),
        "eio" => new Fault(FaultOperation.Write, Eio, Nth: 3),
        "efbig" => new Fault(FaultOperation.Write, Efbig, Nth: 3),
        "erofs-open" => new Fault(FaultOperation.Open, Erofs),
        "estale-gone" => new Fault(FaultOperation.Any, Estale, Nth: 4, Persistent: true),
        "eio-rename" => new Fault(FaultOperation.Rename, Eio),
        "eio-fsync" => new Fault(FaultOperation.Fsync, Eio),
        _ => throw new ArgumentException(name),
    };

    /// <summary>The name was never created; for the local backend also no temporary on disk (memory has no disk).</summary>
    private async Task AssertNothingUnderTheNameAsync(string name)
    {
        await using var client = await RawFtpClient.LoginAsync(Server.FtpPort);
        Assert.Equal(550, (await client.CommandAsync($"SIZE {name}")).Code);
        if (Directory.Exists(Server.HomeOf("alice")))
        {
            Assert.Empty(SftpTestSupport.UploadTemporaries(Server.HomeOf("alice")));
        }
    }

    private async Task ArmThenAsync(string fault, Func<Task> run)
    {
        _fixture.Faults.Arm(FaultNamed(fault));
        try
        {
            await run();
        }
        finally
        {
            _fixture.Faults.Disarm();
        }

        Assert.True(_fixture.Faults.Injected > 0, $"the fault {fault} was never hit");
        // Storage that went away could not even remove the temporary: once it is back, the sweep takes it.
        await Server.SweepUploadLeftoversAsync();
    }

    [Theory]
    [InlineData("enospc", "552 Insufficient storage space: No space left on device.")]
    [InlineData("edquot", "552 Exceeded storage allocation: Disk quota exceeded.")]
    [InlineData("eio", "552 Upload aborted: Input/output error.")]
    [InlineData("efbig", "552 Exceeded storage allocation: File too large.")]
    [InlineData("erofs-open", "550 Read-only file system.")]
    [InlineData("estale-gone", "552 Upload aborted: Storage unavailable.")]
    [InlineData("eio-rename", "552 Upload aborted: Input/output error.")]
    [InlineData("eio-fsync", "552 Upload aborted: Input/output error.")]
    public async Task Raw_ftp_stor(string fault, string expected)
    {
        string name = SftpTestSupport.UniqueName("ftp") + ".bin";
        FtpResponse final = null!, stored = null!;
        await ArmThenAsync(fault, async () => (final, _, stored) = await Clients.RawFtpAsync($"STOR {name}", _content));
        _output.WriteLine($"{fault}: {final.Text}; next STOR: {stored.Code}");
        Assert.Equal(expected, final.Lines[^1]);
        await AssertNothingUnderTheNameAsync(name);
        // Storage that went away also refuses the next upload (451 before any data) until it is back; otherwise the session works.
        Assert.Equal(fault == "estale-gone" ? 451 : 226, stored.Code);
    }

    [Theory]
    [InlineData("enospc", 6, "14 No space left on device")]
    [InlineData("enospc", 3, "4 No space left on device")]
    [InlineData("edquot", 6, "15 Quota exceeded")]
    [InlineData("edquot", 3, "4 Disk quota exceeded")]
    [InlineData("eio", 6, "4 Input/output error")]
    [InlineData("efbig", 6, "4 File too large")]
    [InlineData("erofs-open", 6, "12 Write protected")]
    [InlineData("erofs-open", 3, "4 Read-only file system")]
    [InlineData("estale-gone", 6, "13 No media")]
    [InlineData("estale-gone", 3, "4 Storage unavailable")]
    [InlineData("eio-rename", 6, "4 Input/output error")]
    [InlineData("eio-fsync", 3, "4 Input/output error")]
    public async Task Raw_sftp_upload(string fault, int version, string expected)
    {
        string name = SftpTestSupport.UniqueName("sftp") + ".bin";
        ParamikoResult result = null!;
        await ArmThenAsync(fault, async () => result = await Clients.RawSftpAsync(version, "upload.bin", name));
        _output.WriteLine($"{fault} v{version}: {result.Process.Output.Replace('\n', '|')}");
        string failure = fault switch
        {
            "erofs-open" => result.Value("OPEN")!,
            "eio-rename" or "eio-fsync" => result.Value("CLOSE")!,
            _ => result.Value("WRITE_FAILED")!,
        };
        Assert.EndsWith(expected, failure, StringComparison.Ordinal);
        if (result.Value("AFTER") is { } after)
        {
            Assert.Equal(expected, after);
            Assert.Equal(expected, result.Value("CLOSE"));
        }

        Assert.Equal("ok", result.Value("LISTED"));
        await AssertNothingUnderTheNameAsync(name);
        if (fault != "estale-gone")
        {
            Assert.StartsWith("0 ", result.Value("USABLE"), StringComparison.Ordinal);
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}

public sealed class LocalStorageFaultTests(LocalStorageFaultServer fixture, ITestOutputHelper output)
    : StorageFaultTests(fixture, output), IClassFixture<LocalStorageFaultServer>;

public sealed class MemoryStorageFaultTests(MemoryStorageFaultServer fixture, ITestOutputHelper output)
    : StorageFaultTests(fixture, output), IClassFixture<MemoryStorageFaultServer>;
