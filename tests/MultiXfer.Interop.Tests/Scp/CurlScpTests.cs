using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Scp;

/// <summary>
/// curl's scp:// (libssh2 1.10): key login with the host key pinned by its SHA-256 (--hostpubsha256). libssh2 runs
/// "scp -t 'path'" and "scp -pf 'path'"; "/~/x" in the URL is relative to the login directory, "/x" absolute: both
/// are alice's root here. libssh2 ends an upload with EOF after the data, without scp's final 0 status byte.
/// </summary>
public sealed class CurlScpTests : ScpTestBase
{
    private async Task<ProcessResult> CurlAsync(params string[] arguments)
    {
        string fingerprint = (await SshTestSupport.FingerprintAsync(SshTestKeys.HostPublicKey("ssh_host_ed25519_key")))["SHA256:".Length..];
        string[] common = ["--silent", "--show-error", "--max-time", "60", "--hostpubsha256", fingerprint,
            "--key", KeyFile, "--pubkey", KeyFile + ".pub", "--user", "alice:"];
        return await ProcessRunner.RunAsync("curl", [.. common, .. arguments], TimeSpan.FromSeconds(90), Work);
    }

    private string Url(string path) => $"scp://127.0.0.1:{Server.SshPort}/{path}";

    [ClientFact("curl")]
    public async Task Get_by_home_relative_and_absolute_url()
    {
        byte[] content = RandomBytes(2_000_000);
        Write(Remote("dir/get.bin"), content);
        foreach (string url in new[] { Url("~/dir/get.bin"), Url("dir/get.bin") })
        {
            var get = await CurlAsync("-o", Local("got.bin"), url);
            Assert.True(get.ExitCode == 0, get.ToString());
            Assert.Equal(content, File.ReadAllBytes(Local("got.bin")));
            File.Delete(Local("got.bin"));
        }

        Assert.Contains("started scp -pf 'dir/get.bin'", Server.ReadLog(), StringComparison.Ordinal);
        Assert.Contains("started scp -pf '/dir/get.bin'", Server.ReadLog(), StringComparison.Ordinal);
    }

    [ClientFact("curl")]
    public async Task Get_a_name_with_spaces_and_quotes()
    {
        Write(Remote("it's a file.txt"), "quoted");
        var get = await CurlAsync(Url("~/it%27s%20a%20file.txt"));
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal("quoted", get.Output);
    }

    [ClientFact("curl")]
    public async Task Get_of_a_missing_file_fails()
    {
        var get = await CurlAsync("-o", Local("x"), Url("~/missing"));
        Assert.NotEqual(0, get.ExitCode);
    }

    /// <summary>
    /// curl reports success for an upload when libssh2 has sent the data and EOF. The file must then be there:
    /// OpenSSH's sink has written it by then too (its final response() only sees the EOF and exits).
    /// </summary>
    [ClientFact("curl")]
    public async Task Put_stores_the_file()
    {
        byte[] content = RandomBytes(1_500_000);
        Write(Local("put.bin"), content);
        var put = await CurlAsync("-T", Local("put.bin"), Url("~/put.bin"));
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.True(File.Exists(Remote("put.bin")), "curl reported success but the server kept nothing; log:\n" + ScpLog());
        Assert.Equal(content, File.ReadAllBytes(Remote("put.bin")));
    }

    [ClientFact("curl")]
    public async Task Put_then_get_round_trips_a_name_with_spaces()
    {
        Write(Local("a b.txt"), "spaced");
        var put = await CurlAsync("-T", Local("a b.txt"), Url("a%20b.txt"));
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.True(File.Exists(Remote("a b.txt")), "curl reported success but the server kept nothing; log:\n" + ScpLog());
        var get = await CurlAsync(Url("~/a%20b.txt"));
        Assert.Equal("spaced", get.Output);
    }

    private string ScpLog() => string.Join('\n', Server.ReadLog().Split('\n').Where(l => l.Contains("scp", StringComparison.Ordinal) || l.Contains("upload", StringComparison.Ordinal)));
}
