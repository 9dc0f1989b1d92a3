using System.Globalization;
using System.Text.Json;
using MultiXfer.Auth;
using MultiXfer.Server.Certificates;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.VirtualHosts;

/// <summary>
/// Two virtual hosts beside the default one: alpha (the SSH listener, name alpha.test) and beta (the auto listener,
/// name beta.test), each with its own root, users, certificate, greeting and SFTP settings; selected by listener,
/// by TLS SNI, by FTP HOST (RFC 7151) and by SSH user@host.
/// </summary>
public sealed class VirtualHostTests
{
    private const string CarolPassword = "carol-secret";
    private const string DavePassword = "dave-secret";
    private static readonly Lazy<string> CarolHash = new(() => PasswordHasher.HashPbkdf2(CarolPassword, 10_000));
    private static readonly Lazy<string> DaveHash = new(() => PasswordHasher.HashPbkdf2(DavePassword, 10_000));

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<TestServer> StartAsync(bool userAtHostLogins = false, Action<Dictionary<string, string?>, string>? more = null)
    {
        return await TestServer.StartAsync(settings =>
        {
            string root = Path.GetDirectoryName(settings["Server:DataRoot"])!;
            foreach (string site in new[] { "alpha", "beta" })
            {
                string prefix = $"VirtualHosts:{site}";
                string certificate = Path.Combine(root, $"{site}.crt");
                SelfSignedCertificates.CreateEcdsa(certificate, Path.Combine(root, $"{site}.key"), $"{site}.test").Dispose();
                settings[$"{prefix}:HostNames:0"] = $"{site}.test";
                settings[$"{prefix}:Banner"] = site == "alpha" ? "Alpha files" : "Beta files";
                settings[$"{prefix}:DataRoot"] = Path.Combine(root, $"{site}-data");
                settings[$"{prefix}:Tls:CertificateFile"] = certificate;
                settings[$"{prefix}:Tls:KeyFile"] = Path.Combine(root, $"{site}.key");
                string user = site == "alpha" ? "carol" : "dave";
                settings[$"{prefix}:Users:{user}:PasswordHash"] = site == "alpha" ? CarolHash.Value : DaveHash.Value;
                Directory.CreateDirectory(Path.Combine(root, $"{site}-data", user));
                File.WriteAllText(Path.Combine(root, $"{site}-data", user, $"{site}-only.txt"), site);
            }

            settings["VirtualHosts:alpha:Listeners:0"] = "ssh";
            settings["VirtualHosts:alpha:Sftp:MaxVersion"] = "3";
            settings["VirtualHosts:alpha:Sftp:Extensions:0"] = "-statvfs@openssh.com";
            settings["VirtualHosts:beta:Listeners:0"] = "auto";
            settings["VirtualHosts:beta:Sftp:MaxVersion"] = "6";
            settings["VirtualHosts:beta:Sftp:Extensions:0"] = "posix-rename@openssh.com";
            settings["VirtualHosts:beta:Sftp:Extensions:1"] = "copy-data";
            settings["Ssh:VirtualHostLogins"] = userAtHostLogins ? "true" : "false";
            more?.Invoke(settings, root);
        });
    }

    private static string CertificateOf(TestServer server, string site) => Path.Combine(server.RootDirectory, $"{site}.crt");

    private static async Task<string> FingerprintAsync(string pem, bool isFile)
    {
        var result = isFile
            ? await ProcessRunner.RunAsync("openssl", ["x509", "-in", pem, "-noout", "-fingerprint", "-sha256"])
            : await ProcessRunner.RunAsync("openssl", ["x509", "-noout", "-fingerprint", "-sha256"], standardInput: pem);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output.Split('=')[1].Trim().Replace(":", "", StringComparison.Ordinal);
    }

    private static async Task<JsonElement> FtplibAsync(int port, string hostName, string user, string password, bool tls)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Clients", "ftplib_host.py");
        var result = await ProcessRunner.RunAsync(ClientTools.Python, [script, Port(port), hostName, user, password, tls ? "tls" : "plain"],
            TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Output).RootElement;
    }

    private static async Task<JsonElement> SftpVersionAsync(int port, string user, string password)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Clients", "sftp_version.py");
        var result = await ProcessRunner.RunAsync(ClientTools.Python, [script, Port(port), user, password, "6"], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Output).RootElement;
    }

    [ClientFact(ClientTools.Python, "openssl")]
    public async Task Ftp_HOST_selects_the_hosts_users_root_greeting_and_certificate_and_is_refused_after_login()
    {
        await using var server = await StartAsync();

        var alpha = await FtplibAsync(server.FtpPort, "alpha.test", "carol", CarolPassword, tls: true);
        Assert.StartsWith("220 MultiXfer ready", alpha.GetProperty("greeting").GetString());
        Assert.Contains(" HOST", alpha.GetProperty("features").GetString());
        Assert.Equal("220 Alpha files", alpha.GetProperty("host").GetString());
        Assert.Equal(await FingerprintAsync(CertificateOf(server, "alpha"), isFile: true), alpha.GetProperty("fingerprint").GetString());
        Assert.Equal(["alpha-only.txt"], alpha.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToArray());
        Assert.StartsWith("503", alpha.GetProperty("host_after_login").GetString());

        // Without HOST the listener's default host serves: carol is nobody there, and its certificate is the default.
        var plain = await FtplibAsync(server.FtpPort, "", "carol", CarolPassword, tls: true);
        Assert.StartsWith("530", plain.GetProperty("login").GetString());
        Assert.Equal(await FingerprintAsync(server.CertificateFile, isFile: true), plain.GetProperty("fingerprint").GetString());

        var unknown = await FtplibAsync(server.FtpPort, "gamma.test", "alice", TestServer.Passwords["alice"], tls: false);
        Assert.StartsWith("504", unknown.GetProperty("host").GetString());
        Assert.Contains("virtual host alpha selected by HOST", await server.WaitForLogAsync("virtual host alpha selected by HOST"));
    }

    [ClientFact(ClientTools.Python)]
    public async Task Anonymous_ftp_is_a_setting_of_the_host()
    {
        await using var server = await StartAsync(more: (settings, root) =>
        {
            settings["VirtualHosts:alpha:Ftp:AllowAnonymous"] = "true";
            settings["VirtualHosts:alpha:Ftp:AnonymousRoot"] = "/pub";
            Directory.CreateDirectory(Path.Combine(root, "alpha-data", "pub"));
            File.WriteAllText(Path.Combine(root, "alpha-data", "pub", "public.txt"), "for everyone");
        });

        var alpha = await FtplibAsync(server.FtpPort, "alpha.test", "anonymous", "guest@example.org", tls: false);
        Assert.Equal(["public.txt"], alpha.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToArray());
        var beta = await FtplibAsync(server.FtpPort, "beta.test", "anonymous", "guest@example.org", tls: false);
        Assert.StartsWith("530", beta.GetProperty("login").GetString());
        var neither = await FtplibAsync(server.FtpPort, "", "anonymous", "guest@example.org", tls: false);
        Assert.StartsWith("530", neither.GetProperty("login").GetString());
    }

    [ClientFact("curl", "openssl")]
    public async Task Sni_selects_the_certificate_and_the_host_on_implicit_ftps()
    {
        await using var server = await StartAsync();
        string port = Port(server.FtpsPort);
        foreach (string site in new[] { "alpha", "beta" })
        {
            var handshake = await ProcessRunner.RunAsync("openssl",
                ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", $"{site}.test", "-alpn", "ftp"], TimeSpan.FromSeconds(20), standardInput: "");
            string pem = handshake.Output[handshake.Output.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)..];
            pem = pem[..(pem.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal) + "-----END CERTIFICATE-----".Length)];
            Assert.Equal(await FingerprintAsync(CertificateOf(server, site), isFile: true), await FingerprintAsync(pem, isFile: false));
        }

        var listing = await ProcessRunner.RunAsync("curl", ["-s", "-k", "--resolve", $"beta.test:{port}:127.0.0.1", "-u", $"dave:{DavePassword}",
            $"ftps://beta.test:{port}/"], TimeSpan.FromSeconds(30));
        Assert.True(listing.ExitCode == 0, listing.ToString());
        Assert.Contains("beta-only.txt", listing.Output);

        // The same user without SNI reaches the default host, where dave does not exist.
        var refused = await ProcessRunner.RunAsync("curl", ["-s", "-k", "-u", $"dave:{DavePassword}", $"ftps://127.0.0.1:{port}/"], TimeSpan.FromSeconds(30));
        Assert.Equal(67, refused.ExitCode);
    }

    [ClientFact(ClientTools.Python, "curl")]
    public async Task Sftp_version_and_extensions_and_the_ftp_greeting_follow_the_listeners_host()
    {
        await using var server = await StartAsync();

        var alpha = await SftpVersionAsync(server.SshPort, "carol", CarolPassword);
        Assert.Equal(3, alpha.GetProperty("version").GetInt32());
        var alphaExtensions = alpha.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.DoesNotContain("statvfs@openssh.com", alphaExtensions);
        Assert.Contains("posix-rename@openssh.com", alphaExtensions);

        var beta = await SftpVersionAsync(server.AutoPort, "dave", DavePassword);
        Assert.Equal(6, beta.GetProperty("version").GetInt32());
        var betaExtensions = beta.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("posix-rename@openssh.com", betaExtensions);
        Assert.Contains("copy-data", betaExtensions);
        Assert.DoesNotContain("statvfs@openssh.com", betaExtensions);
        Assert.DoesNotContain("hardlink@openssh.com", betaExtensions);

        // Users of one host are unknown on the other.
        var wrongHost = await ProcessRunner.RunAsync(ClientTools.Python,
            [Path.Combine(AppContext.BaseDirectory, "Clients", "sftp_version.py"), Port(server.AutoPort), "carol", CarolPassword, "6"],
            TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, wrongHost.ExitCode);
        Assert.Contains("Authentication failed", wrongHost.Error);

        var greeting = await ProcessRunner.RunAsync("curl", ["-s", "-v", "-u", $"dave:{DavePassword}", $"ftp://127.0.0.1:{Port(server.AutoPort)}/"],
            TimeSpan.FromSeconds(30));
        Assert.True(greeting.ExitCode == 0, greeting.ToString());
        Assert.Contains("< 220 Beta files", greeting.Error);
        Assert.Contains("beta-only.txt", greeting.Output);
    }

    [ClientFact("sftp")]
    public async Task Ssh_user_at_host_logs_in_to_the_named_host_only_when_enabled()
    {
        foreach (bool enabled in new[] { true, false })
        {
            await using var server = await StartAsync(userAtHostLogins: enabled);
            var ssh = new OpenSshClient(server);
            var arguments = ssh.BaseArguments("dave@beta.test", "BatchMode=no", "PreferredAuthentications=password", "PubkeyAuthentication=no",
                "NumberOfPasswordPrompts=1");
            arguments[arguments.IndexOf("-p")] = "-P";
            arguments.RemoveAt(arguments.IndexOf("-l") + 1);
            arguments.Remove("-l");
            arguments.AddRange(["-o", "User=dave@beta.test", "-b", "-", "127.0.0.1"]);
            var result = await ProcessRunner.RunAsync("sftp", arguments, TimeSpan.FromSeconds(60), standardInput: "ls\n",
                environment: ssh.PasswordEnvironment(DavePassword));
            if (enabled)
            {
                Assert.True(result.ExitCode == 0, result.ToString());
                Assert.Contains("beta-only.txt", result.Output);
                Assert.Contains("authenticated by password (virtual host beta)", await server.WaitForLogAsync("(virtual host beta)"));
            }
            else
            {
                Assert.NotEqual(0, result.ExitCode);
                Assert.DoesNotContain("beta-only.txt", result.Output);
            }
        }
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task Ssh_host_keys_and_algorithms_follow_the_listeners_host()
    {
        string? alphaKey = null;
        await using var server = await StartAsync(more: (settings, root) =>
        {
            alphaKey = Path.Combine(root, "alpha_host_ed25519_key");
            var generated = ProcessRunner.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", alphaKey]).GetAwaiter().GetResult();
            Assert.True(generated.ExitCode == 0, generated.ToString());
            settings["VirtualHosts:alpha:Ssh:HostKeys:0"] = alphaKey;
            settings["VirtualHosts:alpha:Ssh:Ciphers:0"] = "aes256-gcm@openssh.com";
        });
        var fingerprint = await ProcessRunner.RunAsync("ssh-keygen", ["-lf", alphaKey + ".pub"]);
        string alphaFingerprint = fingerprint.Output.Split(' ')[1];

        // ssh -v names the host key the server proved and fails early when no cipher is shared.
        async Task<string> ConnectAsync(int port, string cipher) => (await ProcessRunner.RunAsync("ssh",
            ["-v", "-F", "/dev/null", "-p", Port(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", $"Ciphers={cipher}", "-o", "HostKeyAlgorithms=ssh-ed25519", "-o", "PreferredAuthentications=none", "-l", "nobody",
                "127.0.0.1", "true"], TimeSpan.FromSeconds(30))).Error;

        Assert.Contains($"Server host key: ssh-ed25519 {alphaFingerprint}", await ConnectAsync(server.SshPort, "aes256-gcm@openssh.com"));
        string beta = await ConnectAsync(server.AutoPort, "chacha20-poly1305@openssh.com");
        Assert.Contains("Server host key: ssh-ed25519 SHA256:", beta);
        Assert.DoesNotContain(alphaFingerprint, beta);
        Assert.Contains("no matching cipher found", await ConnectAsync(server.SshPort, "chacha20-poly1305@openssh.com"));
    }
}
