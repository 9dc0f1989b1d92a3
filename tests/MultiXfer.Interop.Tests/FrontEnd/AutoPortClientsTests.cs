using System.Net;
using MultiXfer.TestKit;
using static MultiXfer.Interop.Tests.FrontEnd.FrontEndSupport;

namespace MultiXfer.Interop.Tests.FrontEnd;

/// <summary>
/// Real clients of every protocol at once on ONE "auto" port: detection must route each by its first bytes (or its
/// silence) while the others are mid-session. Every effect is checked on disk.
/// </summary>
public sealed class AutoPortClientsTests
{
    [ClientFact("sftp", "curl", "lftp", ClientTools.Python)]
    public async Task Sftp_ftp_implicit_ftps_lftp_paramiko_and_ftplib_share_one_auto_port_concurrently()
    {
        await using var server = await TestServer.StartAsync();
        int port = server.AutoPort;
        string home = server.HomeOf("alice");
        string work = NewWorkDirectory(server);
        string url = $"ftp://127.0.0.1:{Text(port)}/";

        byte[] Bytes(int count)
        {
            byte[] bytes = new byte[count];
            Random.Shared.NextBytes(bytes);
            return bytes;
        }

        // What each client fetches, already in alice's home; what each uploads, in its own directory.
        var served = new Dictionary<string, byte[]>
        {
            ["for-sftp.bin"] = Bytes(400_000), ["for-curl.bin"] = Bytes(300_000), ["for-ftps.bin"] = Bytes(350_000),
        };
        foreach (var (name, content) in served)
        {
            await File.WriteAllBytesAsync(Path.Combine(home, name), content);
        }

        Directory.CreateDirectory(Path.Combine(home, "listed"));
        await File.WriteAllTextAsync(Path.Combine(home, "listed", "one.txt"), "1");
        await File.WriteAllTextAsync(Path.Combine(home, "listed", "two.txt"), "2");

        string Client(string name) => Directory.CreateDirectory(Path.Combine(work, name)).FullName;
        string sftpDir = Client("sftp"), curlDir = Client("curl"), ftpsDir = Client("ftps"), lftpDir = Client("lftp"),
            paramikoDir = Client("paramiko"), ftplibDir = Client("ftplib");
        byte[] sftpUp = Bytes(500_000), paramikoUp = Bytes(250_000), ftplibUp = Bytes(450_000);
        await File.WriteAllBytesAsync(Path.Combine(sftpDir, "up.bin"), sftpUp);
        await File.WriteAllBytesAsync(Path.Combine(paramikoDir, "up.bin"), paramikoUp);
        await File.WriteAllBytesAsync(Path.Combine(ftplibDir, "up.bin"), ftplibUp);
        string tree = Path.Combine(lftpDir, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        await File.WriteAllBytesAsync(Path.Combine(tree, "a.bin"), Bytes(100_000));
        await File.WriteAllTextAsync(Path.Combine(tree, "sub", "b.txt"), "lftp mirror\n");
        for (int i = 0; i < 5; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(tree, "sub", $"small{i}.dat"), Bytes(2048));
        }

        var sftp = SftpBatchAsync(server, port, sftpDir, null, "put up.bin sftp-up.bin", "get for-sftp.bin got.bin");
        var curlList = Task.Run(async () =>
        {
            var list = await CurlAsync(curlDir, null, url);
            var get = await CurlAsync(curlDir, null, "-o", Path.Combine(curlDir, "got.bin"), url + "for-curl.bin");
            return (list, get);
        });
        var ftps = CurlAsync(ftpsDir, null, "--insecure", "-o", Path.Combine(ftpsDir, "got.bin"), $"ftps://127.0.0.1:{Text(port)}/for-ftps.bin");
        var lftp = ProcessRunner.RunAsync("lftp",
        [
            "-u", "alice," + TestServer.Passwords["alice"],
            "-e", "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 15; set ftp:ssl-allow no; set xfer:clobber on; " +
                  "mirror -R tree lftp-tree; mirror lftp-tree back; quit",
            url,
        ], TimeSpan.FromSeconds(45), lftpDir);
        var paramiko = ParamikoAsync(server, port, IPAddress.Loopback,
            ["--put", Path.Combine(paramikoDir, "up.bin"), "paramiko-up.bin", "--list", "listed"]);
        var ftplib = FtplibAsync(port, IPAddress.Loopback,
            ["--put", Path.Combine(ftplibDir, "up.bin"), "ftplib-up.bin", "--get", "ftplib-up.bin", Path.Combine(ftplibDir, "back.bin")]);

        await Task.WhenAll(sftp, curlList, ftps, lftp, paramiko, ftplib);

        AssertOk(await sftp);
        Assert.Equal(sftpUp, await File.ReadAllBytesAsync(Path.Combine(home, "sftp-up.bin")));
        Assert.Equal(served["for-sftp.bin"], await File.ReadAllBytesAsync(Path.Combine(sftpDir, "got.bin")));

        var (list, get) = await curlList;
        AssertOk(list);
        Assert.Contains("for-curl.bin", list.Output, StringComparison.Ordinal);
        AssertOk(get);
        Assert.Equal(served["for-curl.bin"], await File.ReadAllBytesAsync(Path.Combine(curlDir, "got.bin")));

        AssertOk(await ftps);
        Assert.Equal(served["for-ftps.bin"], await File.ReadAllBytesAsync(Path.Combine(ftpsDir, "got.bin")));

        AssertOk(await lftp);
        AssertSameTree(tree, Path.Combine(home, "lftp-tree"));
        AssertSameTree(tree, Path.Combine(lftpDir, "back"));

        var paramikoResult = await paramiko;
        AssertOk(paramikoResult);
        Assert.Contains("LIST listed one.txt two.txt", paramikoResult.Output, StringComparison.Ordinal);
        Assert.Equal(paramikoUp, await File.ReadAllBytesAsync(Path.Combine(home, "paramiko-up.bin")));

        AssertOk(await ftplib);
        Assert.Equal(ftplibUp, await File.ReadAllBytesAsync(Path.Combine(home, "ftplib-up.bin")));
        Assert.Equal(ftplibUp, await File.ReadAllBytesAsync(Path.Combine(ftplibDir, "back.bin")));

        string log = server.ReadLog();
        Assert.True(CountLines(log, "protocol detected: ssh") >= 2, log);
        Assert.True(CountLines(log, "protocol detected: ftps-implicit") >= 1, log);
        Assert.True(log.Split('\n').Count(l => l.TrimEnd().EndsWith("protocol detected: ftp", StringComparison.Ordinal)) >= 4, log);
        Assert.DoesNotContain("closed before any protocol", log, StringComparison.Ordinal);
    }

    [ClientFact("curl")]
    public async Task Explicit_AUTH_TLS_works_on_an_auto_port()
    {
        await using var server = await TestServer.StartAsync();
        string work = NewWorkDirectory(server);
        byte[] content = new byte[200_000];
        Random.Shared.NextBytes(content);
        await File.WriteAllBytesAsync(Path.Combine(work, "up.bin"), content);
        string url = $"ftp://127.0.0.1:{Text(server.AutoPort)}/";

        AssertOk(await CurlAsync(work, null, "--ssl-reqd", "--insecure", "-T", Path.Combine(work, "up.bin"), url + "explicit.bin"));
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(server.HomeOf("alice"), "explicit.bin")));
        var verbose = await CurlAsync(work, null, "--ssl-reqd", "--insecure", "-v", "-o", Path.Combine(work, "back.bin"), url + "explicit.bin");
        AssertOk(verbose);
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(work, "back.bin")));
        // curl 7.88 asks for "AUTH SSL" first (RFC 4217 §4: the server may accept it as a synonym of AUTH TLS).
        Assert.Matches(@"> AUTH (TLS|SSL)\r?\n< 234 ", verbose.Error);
        Assert.True(verbose.Error.Contains("> PROT P", StringComparison.Ordinal), verbose.Error);

        string log = server.ReadLog();
        Assert.Contains("protocol detected: ftp", log, StringComparison.Ordinal);
        Assert.Contains("control connection protected", log, StringComparison.Ordinal);
    }

    /// <summary>PuTTY's plink sends its identification without waiting for the server's, so detection sees "SSH-".</summary>
    [ClientFact("plink")]
    public async Task Plink_reaches_SSH_on_an_auto_port()
    {
        await using var server = await TestServer.StartAsync();
        string work = NewWorkDirectory(server);
        string passwordFile = Path.Combine(work, "password");
        await File.WriteAllTextAsync(passwordFile, TestServer.Passwords["alice"]);
        string fingerprint = await MultiXfer.Interop.Tests.Ssh.SshTestSupport.FingerprintAsync(SshTestKeys.HostPublicKey("ssh_host_ed25519_key"));
        byte[] input = new byte[100_000];
        Random.Shared.NextBytes(input);

        var result = await BinaryProcessRunner.RunAsync("plink",
            ["-ssh", "-batch", "-noagent", "-no-sanitise-stdout", "-no-sanitise-stderr", "-P", Text(server.AutoPort), "-hostkey", fingerprint,
                "-pwfile", passwordFile, "-s", "alice@127.0.0.1", "multixfer-echo"],
            input, TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["HOME"] = work });

        MultiXfer.Interop.Tests.Ssh.SshTestSupport.AssertEchoed(input, result);
        Assert.Contains("protocol detected: ssh", server.ReadLog(), StringComparison.Ordinal);
    }

    private static void AssertSameTree(string expected, string actual)
    {
        var expectedFiles = Directory.GetFiles(expected, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected, f)).Order().ToList();
        var actualFiles = Directory.GetFiles(actual, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual, f)).Order().ToList();
        Assert.Equal(expectedFiles, actualFiles);
        foreach (string file in expectedFiles)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(expected, file)), File.ReadAllBytes(Path.Combine(actual, file)));
        }
    }
}
