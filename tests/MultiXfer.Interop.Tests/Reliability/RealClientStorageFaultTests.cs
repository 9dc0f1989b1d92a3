using MultiXfer.Interop.Tests.Sftp;
using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;
using Xunit.Abstractions;

namespace MultiXfer.Interop.Tests.Reliability;

/// <summary>
/// Injected storage faults met by the real clients operators use: what each prints, and that the upload left
/// nothing under its name and the next upload works.
/// </summary>
public sealed class RealClientStorageFaultTests : IClassFixture<LocalStorageFaultServer>, IDisposable
{
    private readonly LocalStorageFaultServer _fixture;
    private readonly ITestOutputHelper _output;
    private readonly string _work;

    public RealClientStorageFaultTests(LocalStorageFaultServer fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        _work = SftpTestSupport.NewWorkDirectory(fixture.Server);
        File.WriteAllBytes(Path.Combine(_work, "upload.bin"), SshTestSupport.RandomBytes(1024 * 1024));
        File.WriteAllBytes(Path.Combine(_work, "small.bin"), SshTestSupport.RandomBytes(1000));
    }

    private TestServer Server => _fixture.Server;

    private string Home => Server.HomeOf("alice");

    [Theory]
    [InlineData("sftp", 122, "write remote \"/{0}\": Failure")]
    [InlineData("sftp", 5, "write remote \"/{0}\": Failure")]
    [InlineData("lftp-sftp", 122, "Access failed: Quota exceeded ({0})")]
    [InlineData("lftp-sftp", 116, "Access failed: No media ({0})")]
    [InlineData("lftp-ftp", 122, "Access failed: 552 Exceeded storage allocation: Disk quota exceeded. ({0})")]
    [InlineData("lftp-ftp", 5, "Access failed: 552 Upload aborted: Input/output error. ({0})")]
    [InlineData("curl-ftps", 122, "")]
    [InlineData("scp", 122, "scp: /{0}: Disk quota exceeded")]
    [InlineData("scp", 27, "scp: /{0}: File too large")]
    public async Task Client_sees_the_failure_and_carries_on(string client, int errno, string expected)
    {
        string name = SftpTestSupport.UniqueName(client) + ".bin";
        var clients = new UploadClients(Server, _work);
        _fixture.Faults.Arm(new Fault(FaultOperation.Write, errno, Nth: 3, Persistent: errno == 116));
        ProcessResult result;
        try
        {
            result = client switch
            {
                "sftp" => await clients.SftpAsync("put upload.bin", name),
                "lftp-sftp" => await clients.LftpSftpAsync(6, $"put upload.bin -o {name}"),
                "lftp-ftp" => await clients.LftpFtpAsync($"put upload.bin -o {name}"),
                "curl-ftps" => await clients.CurlFtpAsync("upload.bin", name, tls: true),
                _ => await clients.ScpAsync("upload.bin", name),
            };
        }
        finally
        {
            _fixture.Faults.Disarm();
        }

        _output.WriteLine($"{client} errno {errno}: {UploadClients.Describe(result)}");
        Assert.True(_fixture.Faults.Injected > 0, "the fault was never hit");
        if (client == "curl-ftps")
        {
            Assert.True(result.ExitCode is 70 or 55, result.ToString());
        }
        else
        {
            Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, name), result.Error, StringComparison.Ordinal);
        }

        await Server.SweepUploadLeftoversAsync();
        Assert.False(File.Exists(Path.Combine(Home, name)), $"{name} appeared under its name");
        Assert.Empty(SftpTestSupport.UploadTemporaries(Home));

        // The same client, with the storage back, uploads.
        var again = client switch
        {
            "sftp" => await clients.SftpAsync("put small.bin", name),
            "lftp-sftp" => await clients.LftpSftpAsync(6, $"put small.bin -o {name}"),
            "lftp-ftp" => await clients.LftpFtpAsync($"put small.bin -o {name}"),
            "curl-ftps" => await clients.CurlFtpAsync("small.bin", name, tls: true),
            _ => await clients.ScpAsync("small.bin", name),
        };
        Assert.True(again.ExitCode == 0, again.ToString());
        SftpTestSupport.AssertFileBytes(File.ReadAllBytes(Path.Combine(_work, "small.bin")), Path.Combine(Home, name));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
