using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>curl (libcurl's FTP) against the server: list, get, put, resume, quote commands, both data modes.</summary>
public sealed class CurlFtpTests : ClientTestBase
{
    private string Url(string path = "") => $"ftp://127.0.0.1:{Server.FtpPort}/{path}";

    private async Task<ProcessResult> Curl(params string[] arguments)
    {
        string[] common = ["--silent", "--show-error", "--user", "alice:" + TestServer.Passwords["alice"], "--max-time", "60"];
        return await ProcessRunner.RunAsync("curl", [.. common, .. arguments], TimeSpan.FromSeconds(90), Work);
    }

    [ClientFact("curl")]
    public async Task Put_then_get_round_trips_bytes_in_passive_and_active_mode()
    {
        byte[] content = RandomBytes(3_000_000);
        File.WriteAllBytes(Local("up.bin"), content);
        var put = await Curl("-T", Local("up.bin"), Url("dir/up.bin"), "--ftp-create-dirs");
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Equal(content, File.ReadAllBytes(Remote("dir/up.bin")));

        var get = await Curl("-o", Local("down.bin"), Url("dir/up.bin"));
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(content, File.ReadAllBytes(Local("down.bin")));

        var active = await Curl("-P", "127.0.0.1", "-o", Local("active.bin"), Url("dir/up.bin"));
        Assert.True(active.ExitCode == 0, active.ToString());
        Assert.Equal(content, File.ReadAllBytes(Local("active.bin")));

        var pasvOnly = await Curl("--disable-epsv", "-o", Local("pasv.bin"), Url("dir/up.bin"));
        Assert.True(pasvOnly.ExitCode == 0, pasvOnly.ToString());
        Assert.Equal(content, File.ReadAllBytes(Local("pasv.bin")));

        var activePut = await Curl("-P", "127.0.0.1", "--disable-eprt", "-T", Local("up.bin"), Url("viaport.bin"));
        Assert.True(activePut.ExitCode == 0, activePut.ToString());
        Assert.Equal(content, File.ReadAllBytes(Remote("viaport.bin")));
    }

    [ClientFact("curl")]
    public async Task Listing_shows_entries_in_ls_form_and_names_only()
    {
        File.WriteAllText(Local("a.txt"), "a");
        Assert.Equal(0, (await Curl("-T", Local("a.txt"), Url("list/a.txt"), "--ftp-create-dirs")).ExitCode);
        Assert.Equal(0, (await Curl("-Q", "MKD list/sub", Url("list/"))).ExitCode);

        var list = await Curl(Url("list/"));
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(@"-rw-r--r-- +1 ftp +ftp +1 .* a\.txt", list.Output);
        Assert.Matches(@"drwx.* sub", list.Output);

        var names = await Curl("--list-only", Url("list/"));
        Assert.Equal(["a.txt", "sub"], names.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
    }

    [ClientFact("curl")]
    public async Task Downloads_and_uploads_resume_byte_exact()
    {
        byte[] content = RandomBytes(2_000_000);
        File.WriteAllBytes(Remote("resume.bin"), content);
        File.WriteAllBytes(Local("partial.bin"), content[..777_777]);
        var get = await Curl("-C", "-", "-o", Local("partial.bin"), Url("resume.bin"));
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(content, File.ReadAllBytes(Local("partial.bin")));

        File.WriteAllBytes(Remote("upload.bin"), content[..1_234_567]);
        File.WriteAllBytes(Local("full.bin"), content);
        var put = await Curl("-C", "-", "-T", Local("full.bin"), Url("upload.bin"));
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Equal(content, File.ReadAllBytes(Remote("upload.bin")));

        var range = await Curl("-r", "1000-1999", Url("resume.bin"), "-o", Local("range.bin"));
        Assert.True(range.ExitCode == 0, range.ToString());
        Assert.Equal(content[1000..2000], File.ReadAllBytes(Local("range.bin")));
    }

    [ClientFact("curl")]
    public async Task Quote_commands_run_before_and_after_the_transfer()
    {
        File.WriteAllText(Remote("q.txt"), "quoted");
        var result = await Curl("-Q", "MKD qdir", "-Q", "RNFR q.txt", "-Q", "RNTO qdir/q.txt", "-Q", "-SITE CHMOD 600 /qdir/q.txt",
            "-Q", "-MFMT 20200101000000 /qdir/q.txt", Url("qdir/q.txt"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("quoted", result.Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Remote("qdir/q.txt")));
        Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(Remote("qdir/q.txt")));

        var delete = await Curl("-Q", "DELE qdir/q.txt", "-Q", "RMD qdir", Url());
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.False(Directory.Exists(Remote("qdir")));
    }

    [ClientFact("curl")]
    public async Task ASCII_transfers_convert_line_endings()
    {
        File.WriteAllText(Local("unix.txt"), "a\nb\n");
        Assert.Equal(0, (await Curl("--use-ascii", "-T", Local("unix.txt"), Url("ascii.txt"))).ExitCode);
        Assert.Equal("a\nb\n", File.ReadAllText(Remote("ascii.txt")));
        var get = await Curl("--use-ascii", Url("ascii.txt"));
        Assert.Equal("a\nb\n", get.Output.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [ClientFact("curl")]
    public async Task Failures_map_to_curls_error_codes()
    {
        var wrong = await ProcessRunner.RunAsync("curl", ["--silent", "--user", "alice:wrong", Url()], TimeSpan.FromSeconds(30));
        Assert.Equal(67, wrong.ExitCode); // CURLE_LOGIN_DENIED
        var missing = await Curl(Url("missing.txt"));
        Assert.Equal(78, missing.ExitCode); // CURLE_REMOTE_FILE_NOT_FOUND: RETR answered 550
        var missingDirectory = await Curl(Url("no/such/file.txt"));
        Assert.Equal(9, missingDirectory.ExitCode); // CURLE_REMOTE_ACCESS_DENIED: CWD answered 550
        var outside = await Curl(Url("%2E%2E/%2E%2E/%2E%2E/etc/passwd"));
        Assert.NotEqual(0, outside.ExitCode);
        Assert.DoesNotContain("root:", outside.Output);
    }
}
