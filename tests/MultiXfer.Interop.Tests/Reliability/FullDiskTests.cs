using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;
using Xunit.Abstractions;

namespace MultiXfer.Interop.Tests.Reliability;

/// <summary>alice's home on a real 4 MiB tmpfs, mounted by the test over her directory once the server runs.</summary>
public sealed class FullDiskServer : IAsyncLifetime
{
    public const long Size = 4 * 1024 * 1024;

    public TestServer Server { get; private set; } = null!;

    public SmallTmpfs? Disk { get; private set; }

    public string? Problem { get; private set; }

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(settings => settings["Users:alice:Permissions:/"] = "*");
        (Disk, Problem) = await SmallTmpfs.TryMountAsync(Server.HomeOf("alice"), Size);
    }

    public async Task DisposeAsync()
    {
        if (Disk is not null)
        {
            await Disk.DisposeAsync();
        }

        await Server.DisposeAsync();
    }
}

/// <summary>
/// Uploads into a file system that fills up, with every protocol and real clients: the upload fails with a reply
/// that says so, nothing appears under the final name, an existing target keeps its content, the space is given
/// back, and the session goes on; writes the client asked to go in place keep exactly what fit.
/// </summary>
public sealed class FullDiskTests : IClassFixture<FullDiskServer>, IDisposable
{
    private const string OldContent = "the old content, which must survive\n";
    private readonly FullDiskServer _fixture;
    private readonly ITestOutputHelper _output;
    private readonly string _work;
    private readonly byte[] _big = SshTestSupport.RandomBytes(6 * 1024 * 1024);
    private readonly byte[] _small = SshTestSupport.RandomBytes(64 * 1024);

    public FullDiskTests(FullDiskServer fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        _work = SftpTestSupport.NewWorkDirectory(fixture.Server);
        File.WriteAllBytes(Path.Combine(_work, "big.bin"), _big);
        File.WriteAllBytes(Path.Combine(_work, "small.bin"), _small);
    }

    private SmallTmpfs Disk => _fixture.Disk!;

    private string Home => _fixture.Server.HomeOf("alice");

    private UploadClients Clients => new(_fixture.Server, _work);

    /// <summary>A fresh disk holding only old.bin; returns the space available then.</summary>
    private async Task<long> PrepareAsync()
    {
        Skip.If(_fixture.Disk is null, _fixture.Problem);
        Disk.Clear();
        await File.WriteAllTextAsync(Path.Combine(Home, "old.bin"), OldContent);
        return await Disk.AvailableBytesAsync();
    }

    /// <summary>No big.bin, no temporary, old.bin intact; after removing what the "usable" steps stored, all the space is back.</summary>
    private async Task AssertNothingLostAsync(long available, params string[] stored)
    {
        Assert.False(File.Exists(Path.Combine(Home, "big.bin")), "a partial big.bin appeared under the final name");
        Assert.Empty(SftpTestSupport.UploadTemporaries(Home));
        Assert.Equal(OldContent, await File.ReadAllTextAsync(Path.Combine(Home, "old.bin")));
        foreach (string name in stored)
        {
            Assert.True(File.Exists(Path.Combine(Home, name)), $"the session could not store {name} after the failure");
            File.Delete(Path.Combine(Home, name));
        }

        // A client may exit before the server has handled its last CLOSE (lftp does): a file the session still holds
        // open keeps its blocks after the test deletes it, until the session ends a moment later.
        long now = await Disk.AvailableBytesAsync();
        for (int i = 0; i < 50 && now != available; i++)
        {
            await Task.Delay(100);
            now = await Disk.AvailableBytesAsync();
        }

        Assert.Equal(available, now);
    }

    [SkippableFact]
    public async Task OpenSsh_sftp_put_and_overwrite()
    {
        long available = await PrepareAsync();
        var result = await Clients.SftpAsync("put big.bin", "big.bin", "-put big.bin old.bin");
        _output.WriteLine(UploadClients.Describe(result));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("write remote \"/big.bin\": Failure", result.Error, StringComparison.Ordinal);
        SftpTestSupport.AssertFileBytes(_small, Path.Combine(_work, "back.bin"));
        await AssertNothingLostAsync(available, "small.bin");
    }

    [SkippableTheory]
    [InlineData(3)]
    [InlineData(6)]
    public async Task Lftp_over_sftp(int version)
    {
        long available = await PrepareAsync();
        var result = await Clients.LftpSftpAsync(version, "put big.bin; put big.bin -o old.bin; put small.bin; get small.bin -o back.bin");
        _output.WriteLine(UploadClients.Describe(result));
        Assert.Contains("No space left on device", result.Error, StringComparison.Ordinal);
        SftpTestSupport.AssertFileBytes(_small, Path.Combine(_work, "back.bin"));
        await AssertNothingLostAsync(available, "small.bin");
    }

    [SkippableTheory]
    [InlineData(3, "4 No space left on device")]
    [InlineData(4, "4 No space left on device")]
    [InlineData(5, "14 No space left on device")]
    [InlineData(6, "14 No space left on device")]
    public async Task Raw_sftp_statuses_per_version_then_paramiko_put(int version, string expected)
    {
        long available = await PrepareAsync();
        var result = await Clients.RawSftpAsync(version, "big.bin", "big.bin", put: "old.bin");
        _output.WriteLine(result.ToString());
        Assert.EndsWith(expected, result.Value("WRITE_FAILED"), StringComparison.Ordinal);
        Assert.Equal(expected, result.Value("AFTER"));
        Assert.Equal(expected, result.Value("CLOSE"));
        Assert.Equal("ok", result.Value("LISTED"));
        Assert.StartsWith("0 ", result.Value("USABLE"), StringComparison.Ordinal);
        var put = ParamikoSftp.Steps(result)["put"];
        Assert.False(put.Ok, "paramiko's put succeeded on a full disk");
        await AssertNothingLostAsync(available, "usable.bin");
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Curl_ftp_and_ftps_upload(bool tls)
    {
        long available = await PrepareAsync();
        var failed = await Clients.CurlFtpAsync("big.bin", "big.bin", tls);
        _output.WriteLine(UploadClients.Describe(failed));
        // curl reads the 552 ("Exceeded storage allocation", its error 70) unless it is still sending when the server
        // closes the data connection after the failure ("Send failure: Broken pipe"): either way the upload failed.
        Assert.True(failed.ExitCode is 70 or 55, failed.ToString());
        var overwrite = await Clients.CurlFtpAsync("big.bin", "old.bin", tls);
        Assert.NotEqual(0, overwrite.ExitCode);
        var small = await Clients.CurlFtpAsync("small.bin", "small.bin", tls);
        Assert.True(small.ExitCode == 0, small.ToString());
        await AssertNothingLostAsync(available, "small.bin");
    }

    [SkippableFact]
    public async Task Lftp_over_ftp()
    {
        long available = await PrepareAsync();
        var result = await Clients.LftpFtpAsync("put big.bin; put big.bin -o old.bin; put small.bin; get small.bin -o back.bin");
        _output.WriteLine(UploadClients.Describe(result));
        Assert.Contains("552 Insufficient storage space: No space left on device", result.Error, StringComparison.Ordinal);
        SftpTestSupport.AssertFileBytes(_small, Path.Combine(_work, "back.bin"));
        await AssertNothingLostAsync(available, "small.bin");
    }

    [SkippableFact]
    public async Task Raw_ftp_stor_then_the_session_goes_on()
    {
        long available = await PrepareAsync();
        var (final, listed, stored) = await Clients.RawFtpAsync("STOR big.bin", _big);
        _output.WriteLine($"STOR: {final.Code} {final.Text}");
        Assert.Equal((552, "552 Insufficient storage space: No space left on device."), (final.Code, final.Lines[^1]));
        Assert.Equal(226, listed.Code);
        Assert.Equal(226, stored.Code);
        await AssertNothingLostAsync(available, "usable.bin");
    }

    [SkippableFact]
    public async Task Scp_legacy_upload_then_the_next_one()
    {
        long available = await PrepareAsync();
        var failed = await Clients.ScpAsync("big.bin", "big.bin");
        _output.WriteLine(UploadClients.Describe(failed));
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("scp: /big.bin: No space left on device", failed.Error, StringComparison.Ordinal);
        var small = await Clients.ScpAsync("small.bin", "small.bin");
        Assert.True(small.ExitCode == 0, small.ToString());
        await AssertNothingLostAsync(available, "small.bin");
    }

    /// <summary>REST+STOR, APPE and an SFTP resume write in place: what fit stays, exactly, and nothing after it.</summary>
    [SkippableTheory]
    [InlineData("rest")]
    [InlineData("appe")]
    [InlineData("sftp")]
    public async Task Writes_in_place_keep_exactly_what_fit(string how)
    {
        await PrepareAsync();
        const int Already = 1024 * 1024;
        string resumed = Path.Combine(Home, "resumed.bin");
        await File.WriteAllBytesAsync(resumed, _big.AsMemory(0, Already).ToArray());
        string reply = how switch
        {
            "rest" => (await Clients.RawFtpAsync("STOR resumed.bin", _big[Already..], restart: Already)).Final.Text,
            "appe" => (await Clients.RawFtpAsync("APPE resumed.bin", _big[Already..])).Final.Text,
            _ => (await Clients.RawSftpAsync(6, "big.bin", "resumed.bin", offset: Already)).Value("WRITE_FAILED")!,
        };
        _output.WriteLine($"{how}: {reply}");
        Assert.Contains("No space left on device", reply, StringComparison.Ordinal);

        byte[] kept = await File.ReadAllBytesAsync(resumed);
        Assert.InRange(kept.Length, Already + 1, _big.Length - 1);
        Assert.True(_big.AsSpan(0, kept.Length).SequenceEqual(kept),
            $"the {kept.Length} kept bytes are not exactly the start of the upload: they differ from {_big.AsSpan(0, kept.Length).CommonPrefixLength(kept)} on");
        Assert.Empty(SftpTestSupport.UploadTemporaries(Home));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
