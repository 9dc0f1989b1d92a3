using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MultiXfer.Interop.Tests.Ftp;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftps;

/// <summary>Real FTPS clients: curl (OpenSSL), lftp (GnuTLS), Python ftplib.FTP_TLS, openssl s_client.</summary>
public sealed class FtpsClientTests : ClientTestBase
{
    private string Explicit(string path = "") => $"ftp://127.0.0.1:{Server.FtpPort}/{path}";

    private string Implicit(string path = "") => $"ftps://127.0.0.1:{Server.FtpsPort}/{path}";

    private async Task<ProcessResult> Curl(params string[] arguments)
    {
        string[] common = ["--silent", "--show-error", "--insecure", "--user", "alice:" + TestServer.Passwords["alice"], "--max-time", "60"];
        var result = await ProcessRunner.RunAsync("curl", [.. common, .. arguments], TimeSpan.FromSeconds(90), Work);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    [ClientFact("curl")]
    public async Task Curl_explicit_FTPS_lists_gets_puts_and_resumes()
    {
        byte[] content = RandomBytes(2_000_000);
        File.WriteAllBytes(Local("up.bin"), content);
        await Curl("--ssl-reqd", "-T", Local("up.bin"), Explicit("explicit.bin"));
        Assert.Equal(content, File.ReadAllBytes(Remote("explicit.bin")));
        Assert.Contains("explicit.bin", (await Curl("--ssl-reqd", Explicit())).Output);
        await Curl("--ssl-reqd", "-o", Local("down.bin"), Explicit("explicit.bin"));
        Assert.Equal(content, File.ReadAllBytes(Local("down.bin")));

        File.WriteAllBytes(Local("part.bin"), content[..700_000]);
        await Curl("--ssl-reqd", "-C", "-", "-o", Local("part.bin"), Explicit("explicit.bin"));
        Assert.Equal(content, File.ReadAllBytes(Local("part.bin")));
        File.WriteAllBytes(Remote("resume-up.bin"), content[..900_000]);
        await Curl("--ssl-reqd", "-C", "-", "-T", Local("up.bin"), Explicit("resume-up.bin"));
        Assert.Equal(content, File.ReadAllBytes(Remote("resume-up.bin")));

        var verbose = await Curl("--ssl-reqd", "-v", "-o", "/dev/null", Explicit("explicit.bin"));
        Assert.Contains("PROT P", verbose.Error);
        Assert.Matches("SSL connection using TLSv1\\.[23]", verbose.Error);
    }

    [ClientFact("curl")]
    public async Task Curl_implicit_FTPS_lists_gets_puts_and_resumes()
    {
        byte[] content = RandomBytes(1_500_000);
        File.WriteAllBytes(Local("up.bin"), content);
        await Curl("-T", Local("up.bin"), Implicit("implicit.bin"));
        Assert.Equal(content, File.ReadAllBytes(Remote("implicit.bin")));
        Assert.Contains("implicit.bin", (await Curl(Implicit())).Output);
        await Curl("-o", Local("down.bin"), Implicit("implicit.bin"));
        Assert.Equal(content, File.ReadAllBytes(Local("down.bin")));
        File.WriteAllBytes(Local("part.bin"), content[..123_456]);
        await Curl("-C", "-", "-o", Local("part.bin"), Implicit("implicit.bin"));
        Assert.Equal(content, File.ReadAllBytes(Local("part.bin")));
        File.WriteAllBytes(Remote("resume-up.bin"), content[..654_321]);
        await Curl("-C", "-", "-T", Local("up.bin"), Implicit("resume-up.bin"));
        Assert.Equal(content, File.ReadAllBytes(Remote("resume-up.bin")));
    }

    [ClientFact("lftp")]
    public async Task Lftp_with_forced_TLS_and_protected_data_lists_and_mirrors_both_ways()
    {
        string source = Local("tree");
        Directory.CreateDirectory(Path.Combine(source, "sub"));
        File.WriteAllBytes(Path.Combine(source, "a.bin"), RandomBytes(300_000));
        for (int i = 0; i < 20; i++)
        {
            File.WriteAllBytes(Path.Combine(source, "sub", $"s{i}.dat"), RandomBytes(4096));
        }

        string settings = "set ftp:ssl-force true; set ftp:ssl-protect-data true; set ftp:ssl-protect-list true; " +
                          "set ssl:verify-certificate no; set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 15; ";
        var result = await ProcessRunner.RunAsync("lftp",
            ["-u", "alice," + TestServer.Passwords["alice"], "-d", "-e", settings + "mirror -R tree remote; ls remote; mirror remote back; quit",
                Explicit()], TimeSpan.FromSeconds(120), Work);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("sub", result.Output);
        string debug = result.Output + result.Error;
        Assert.Contains("AUTH TLS", debug);
        Assert.Contains("PROT P", debug);
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(Remote("remote"), relative)));
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(Local("back"), relative)));
        }

        var implicitLs = await ProcessRunner.RunAsync("lftp",
            ["-u", "alice," + TestServer.Passwords["alice"], "-e", "set ssl:verify-certificate no; set cmd:fail-exit yes; ls remote/sub; quit",
                Implicit()], TimeSpan.FromSeconds(60), Work);
        Assert.True(implicitLs.ExitCode == 0, implicitLs.ToString());
        Assert.Contains("s19.dat", implicitLs.Output);
    }

    [ClientFact(ClientTools.Python)]
    public async Task Ftplib_FTP_TLS_over_TLS_1_2_resumes_the_control_session_on_every_data_connection()
    {
        var result = await RunFtplibTls(Server, "no-ccc", "tls1.2");
        Assert.Contains("RESUMED 4/4", result.Output);
        Assert.Contains("TLS OK", result.Output);
    }

    /// <summary>
    /// TLS 1.3 session tickets are off (openssl-multixfer.cnf: NumTickets = 0): curl before 8.9 never reads an
    /// upload data connection, so a ticket sent there turned its close into a reset that lost data (curl#6149).
    /// TLS 1.3 data connections therefore use full handshakes, and work.
    /// </summary>
    [ClientFact(ClientTools.Python)]
    public async Task Ftplib_FTP_TLS_over_TLS_1_3_transfers_with_full_handshakes_and_CCC_is_refused_by_default()
    {
        var result = await RunFtplibTls(Server, "no-ccc", "tls1.3");
        Assert.Contains("RESUMED 0/4", result.Output);
        Assert.Contains("TLS OK", result.Output);
    }

    [ClientFact(ClientTools.Python)]
    public async Task Ftplib_CCC_returns_to_plaintext_when_allowed()
    {
        await using var server = await TestServer.StartAsync(c => c["Ftp:AllowCcc"] = "true");
        foreach (string version in new[] { "tls1.2", "tls1.3" })
        {
            var result = await RunFtplibTls(server, "try-ccc", version);
            Assert.Contains("TLS OK", result.Output);
        }

        Assert.Contains("control connection back to plaintext (CCC)", server.ReadLog());
    }

    private static async Task<ProcessResult> RunFtplibTls(TestServer server, string ccc, string version)
    {
        var result = await ProcessRunner.RunAsync(ClientTools.Python,
            [Path.Combine(AppContext.BaseDirectory, "Clients", "ftplib_tls.py"), server.FtpPort.ToString(CultureInfo.InvariantCulture), "alice",
                TestServer.Passwords["alice"], server.HomeOf("alice"), ccc, version], TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    [ClientFact("openssl")]
    public async Task Openssl_starttls_ftp_shows_the_servers_certificate()
    {
        var result = await ProcessRunner.RunAsync("openssl",
            ["s_client", "-starttls", "ftp", "-connect", $"127.0.0.1:{Server.FtpPort}", "-showcerts"], TimeSpan.FromSeconds(30),
            standardInput: "");
        string pem = result.Output[result.Output.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)..];
        pem = pem[..(pem.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal) + 25)];
        using var presented = X509Certificate2.CreateFromPem(pem);
        using var configured = X509Certificate2.CreateFromPem(File.ReadAllText(Server.CertificateFile));
        Assert.Equal(configured.GetCertHashString(HashAlgorithmName.SHA256), presented.GetCertHashString(HashAlgorithmName.SHA256));
        Assert.Matches("New, TLSv1\\.[23], Cipher is", result.Output);
    }
}
