using MultiXfer.Server.Configuration;
using MultiXfer.Server.Hosting;

namespace MultiXfer.Server.Tests;

public sealed class ConfigurationTests
{
    private static List<string> ProblemsWith(params (string Key, string? Value)[] settings)
    {
        var configuration = ConfigurationSources.Build([], settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return SettingsValidator.Validate(MultiXferSettings.Bind(configuration), configuration);
    }

    [Fact]
    public void The_embedded_default_is_valid_and_says_what_the_README_says()
    {
        var configuration = ConfigurationSources.Build([]);
        var settings = MultiXferSettings.Bind(configuration);
        Assert.Empty(SettingsValidator.Validate(settings, configuration));
        // The embedded default's relative paths resolve against the working directory.
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "data"), settings.Server.DataRoot);
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "state"), settings.Server.StateDirectory);
        Assert.Equal("sqlite", settings.Accounts.Provider);
        Assert.Equal(("127.0.0.1", 2180, false), (settings.Admin.Address, settings.Admin.Port, settings.Admin.UseTls));
        Assert.Equal("MultiXfer ready", settings.Server.Banner);
        Assert.Equal(1000, settings.Server.MaxConnections);
        Assert.Equal(100, settings.Server.MaxConnectionsPerIp);
        Assert.Equal(600, settings.Server.IdleTimeoutSeconds);
        Assert.Equal(60, settings.Server.LoginTimeoutSeconds);
        Assert.Equal(4, settings.Listeners.Count);
        var auto = settings.Listeners["auto"];
        Assert.Equal(("0.0.0.0", 2100, "auto", "off"), (auto.Address, auto.Port, auto.Protocol, auto.ProxyProtocol));
        Assert.Equal(["ftp", "ftps-implicit", "ssh"], auto.ServedProtocols());
        var ftp = settings.Listeners["ftp"];
        Assert.Equal(("0.0.0.0", 2121, "ftp"), (ftp.Address, ftp.Port, ftp.Protocol));
        Assert.False(ftp.RequireTlsForLogin || ftp.RequireTlsForData);
        var ftps = settings.Listeners["ftps"];
        Assert.Equal(("0.0.0.0", 2990, "ftps-implicit"), (ftps.Address, ftps.Port, ftps.Protocol));
        var ssh = settings.Listeners["ssh"];
        Assert.Equal(("0.0.0.0", 2222, "ssh"), (ssh.Address, ssh.Port, ssh.Protocol));
        Assert.Null(settings.Ssh.HostKeys);
        Assert.Equal(120, settings.Ssh.LoginGraceSeconds);
        Assert.Equal(6, settings.Ssh.MaxAuthTries);
        Assert.False(settings.Ssh.EchoSubsystem);
        Assert.Null(settings.Ssh.Ciphers);
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "keys", "tls.crt"), settings.Tls.CertificateFile);
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "keys", "tls.key"), settings.Tls.KeyFile);
        Assert.False(settings.Ftp.AllowCcc);
        Assert.Equal("50000-50199", settings.Ftp.PassivePorts);
        Assert.True(settings.Ftp.AllowActive);
        Assert.False(settings.Ftp.AllowAnonymous);
        Assert.Equal("/pub", settings.Ftp.AnonymousRoot);
        Assert.Empty(settings.Users);
        Assert.Equal(6, settings.Sftp.MaxVersion);
        Assert.Null(settings.Sftp.Extensions);
        Assert.Equal(512, settings.Sftp.MaxOpenHandles);
    }

    [Fact]
    public void Sftp_extension_lists_add_to_remove_from_or_replace_the_default_set()
    {
        var all = new HashSet<string>(Sftp.SftpExtensions.All);
        Assert.Equal(all, Sftp.SftpExtensions.Resolve(all, null));
        var fewer = Sftp.SftpExtensions.Resolve(all, ["-copy-data", "-posix-rename@openssh.com"]);
        Assert.Equal(all.Count - 2, fewer.Count);
        Assert.DoesNotContain("copy-data", fewer);
        Assert.Equal(["limits@openssh.com"], Sftp.SftpExtensions.Resolve(all, ["limits@openssh.com"]));
        Assert.Contains("copy-data", Sftp.SftpExtensions.Resolve(fewer, ["+copy-data"]));
        Assert.Empty(ProblemsWith(("Sftp:Extensions:0", "-copy-data"), ("Users:bob:Sftp:Extensions:0", "+copy-data"),
            ("Users:bob:Sftp:MaxVersion", "3"), ("Users:bob:PasswordHash", Auth.PasswordHasher.HashPbkdf2("x", 10_000))));
    }

    [Theory]
    [InlineData("Listeners:ftp:Port", "70000", "Listeners:ftp:Port")]
    [InlineData("Listeners:ftp:Address", "not-an-ip", "Listeners:ftp:Address")]
    [InlineData("Listeners:ftp:Protocol", "gopher", "Listeners:ftp:Protocol")]
    [InlineData("Listeners:ftp:Prot", "ftp", "Listeners:ftp:Prot: unknown setting")]
    [InlineData("Server:Banr", "typo", "Server:Banr: unknown setting")]
    [InlineData("Server:Banner", "two\nlines", "Server:Banner")]
    [InlineData("Server:MaxConnections", "0", "Server:MaxConnections")]
    [InlineData("Server:MaxUnauthenticatedPerIp", "0", "Server:MaxUnauthenticatedPerIp")]
    [InlineData("Server:MaxQueuedPerIp", "-1", "Server:MaxQueuedPerIp")]
    [InlineData("Server:QueueTimeoutSeconds", "0", "Server:QueueTimeoutSeconds")]
    [InlineData("Ssh:MaxUnauthenticatedPerIp", "10", "Ssh:MaxUnauthenticatedPerIp: unknown setting")]
    [InlineData("Penalties:MinimumSeconds", "0", "Penalties:MinimumSeconds")]
    [InlineData("Penalties:MaximumSeconds", "5", "Penalties:MaximumSeconds")]
    [InlineData("Penalties:Exempt:0", "the office", "Penalties:Exempt: 'the office'")]
    [InlineData("Penalties:AuthFailSeconds", "5", "Penalties:AuthFailSeconds: unknown setting")]
    [InlineData("Server:Storage", "s3", "Server:Storage")]
    [InlineData("Ftp:PassivePorts", "100-50", "Ftp:PassivePorts")]
    [InlineData("Ftp:PassivePorts", "lots", "Ftp:PassivePorts")]
    [InlineData("Ftp:AnonymousRoot", "pub", "Ftp:AnonymousRoot")]
    [InlineData("Auth:MaxFailuresPerAddress", "0", "Auth:MaxFailuresPerAddress")]
    [InlineData("Logging:Level", "Loud", "Logging:Level")]
    [InlineData("Logging:Format", "xml", "Logging:Format: must be text or json")]
    [InlineData("Logging:BufferedEvents", "10", "Logging:BufferedEvents")]
    [InlineData("Logging:AuditLogFileBytes", "1000", "Logging:AuditLogFileBytes")]
    [InlineData("Logging:Audit", "audit.json", "Logging:Audit: unknown setting")]
    [InlineData("Telemetry:OtlpEndpoint", "collector:4317", "Telemetry:OtlpEndpoint")]
    [InlineData("Telemetry:OtlpProtocol", "udp", "Telemetry:OtlpProtocol: must be grpc or http/protobuf")]
    [InlineData("Telemetry:Endpoint", "http://collector:4317", "Telemetry:Endpoint: unknown setting")]
    [InlineData("Sftpp:Enabled", "true", "Sftpp: unknown section")]
    [InlineData("Users:bob:PasswordHash", "plain-text", "Users:bob:PasswordHash")]
    [InlineData("Users:..:ReadOnly", "true", "Users:..: user names")]
    [InlineData("Users:.hidden:ReadOnly", "true", "Users:.hidden: user names")]
    [InlineData("Ftp:ReplyTimeoutSeconds", "0", "Ftp:ReplyTimeoutSeconds")]
    [InlineData("Ftp:DigestCache:MaxEntires", "0", "Ftp:DigestCache:MaxEntires: unknown setting")]
    [InlineData("Ftp:DigestCache:MaxEntries", "-1", "Ftp:DigestCache:MaxEntries")]
    [InlineData("Ftp:DigestCache:MaxAgeSeconds", "100000", "Ftp:DigestCache:MaxAgeSeconds")]
    [InlineData("Server:Ipv6PrefixLength", "16", "Server:Ipv6PrefixLength")]
    [InlineData("Server:StaleUploadMinutes", "5", "Server:StaleUploadMinutes")]
    [InlineData("Ssh:Ciphers:0", "rot13", "Ssh:Ciphers: unknown or unavailable algorithm 'rot13'")]
    [InlineData("Ssh:KexAlgorithms:0", "diffie-hellman-group1-sha1", "Ssh:KexAlgorithms: unknown or unavailable")]
    [InlineData("Listeners:ssh:Ssh:Macs:0", "hmac-md5", "Listeners:ssh:Ssh:Macs: unknown or unavailable algorithm 'hmac-md5'")]
    [InlineData("Listeners:ssh:Ssh:Cipher:0", "aes128-ctr", "Listeners:ssh:Ssh:Cipher: unknown setting")]
    [InlineData("Listeners:ftp:Ssh:Ciphers:0", "aes128-ctr", "Listeners:ftp:Ssh: applies to")]
    [InlineData("Ssh:LoginGraceSeconds", "0", "Ssh:LoginGraceSeconds")]
    [InlineData("Ssh:MaxAuthTries", "0", "Ssh:MaxAuthTries")]
    [InlineData("Ssh:MinimumRsaKeyBits", "512", "Ssh:MinimumRsaKeyBits")]
    [InlineData("Ssh:HostKey", "keys/x", "Ssh:HostKey: unknown setting")]
    [InlineData("Users:bob:AuthorizedKeys:0", "ssh-ed25519 not-base64!", "Users:bob:AuthorizedKeys:0")]
    [InlineData("Users:bob:AuthorizedKeys:0", "command=\"/bin/sh\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbFN5RA3vQr4Qz1DYh0d5yj8w9T0S9oV6XGcT1l5yzE",
        "Users:bob:AuthorizedKeys:0")]
    [InlineData("Ssh:TrustedUserCAKeys:0", "from=\"10.0.0.1\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbFN5RA3vQr4Qz1DYh0d5yj8w9T0S9oV6XGcT1l5yzE",
        "Ssh:TrustedUserCAKeys:0: a trusted CA key takes no options")]
    [InlineData("Ssh:TrustedUserCAKeys:0", "ssh-ed25519 AAAA", "Ssh:TrustedUserCAKeys:0: line 1")]
    [InlineData("Ssh:CASignatureAlgorithms:0", "ssh-dss", "Ssh:CASignatureAlgorithms: unknown signature algorithm 'ssh-dss'")]
    [InlineData("Users:bob:AuthorizedPrincipals:0", " ", "Users:bob:AuthorizedPrincipals: names must not be empty")]
    [InlineData("VirtualHosts:x:Ssh:HostCertificates:0", "host-cert.pub", "VirtualHosts:x:Ssh:HostCertificates: certifies this host's own keys")]
    [InlineData("Sftp:MaxVersion", "7", "Sftp:MaxVersion")]
    [InlineData("Sftp:MaxVersion", "2", "Sftp:MaxVersion")]
    [InlineData("Sftp:Extensions:0", "-rm-rf@evil", "Sftp:Extensions: unknown extension 'rm-rf@evil'")]
    [InlineData("Sftp:MaxOpenHandles", "0", "Sftp:MaxOpenHandles")]
    [InlineData("Sftp:MaxVerson", "5", "Sftp:MaxVerson: unknown setting")]
    [InlineData("Users:bob:Sftp:MaxVersion", "9", "Users:bob:Sftp:MaxVersion")]
    [InlineData("Users:bob:Sftp:Extensions:0", "+teleport", "Users:bob:Sftp:Extensions: unknown extension 'teleport'")]
    [InlineData("Users:bob:Sftp:Extension:0", "copy-data", "Users:bob:Sftp:Extension: unknown setting")]
    [InlineData("Listeners:ssh:Sftp:MaxVersion", "8", "Listeners:ssh:Sftp:MaxVersion")]
    [InlineData("Listeners:ssh:Sftp:Extensions:0", "-nope", "Listeners:ssh:Sftp:Extensions: unknown extension 'nope'")]
    [InlineData("Listeners:ftp:Sftp:MaxVersion", "3", "Listeners:ftp:Sftp: applies to")]
    [InlineData("Listeners:ftp:ProxyProtocol", "maybe", "Listeners:ftp:ProxyProtocol")]
    [InlineData("Listeners:ftp:ProxyProtocol", "required", "Listeners:ftp:TrustedProxies: must list")]
    [InlineData("Listeners:ftp:TrustedProxies:0", "10.0.0.0/99", "Listeners:ftp:TrustedProxies: '10.0.0.0/99'")]
    [InlineData("Listeners:ftp:Protocols:0", "ssh", "Listeners:ftp:Protocols: applies to \"auto\"")]
    [InlineData("Listeners:auto:Protocols:0", "gopher", "Listeners:auto:Protocols: must list")]
    [InlineData("Listeners:auto:DetectionSilenceMilliseconds", "5", "Listeners:auto:DetectionSilenceMilliseconds")]
    [InlineData("Listeners:auto:DetectionTimeoutMilliseconds", "100", "Listeners:auto:DetectionTimeoutMilliseconds")]
    [InlineData("VirtualHosts:x:Listeners:0", "nope", "VirtualHosts:x:Listeners: no listener is named 'nope'")]
    [InlineData("VirtualHosts:x:HostNames:0", "bad name!", "VirtualHosts:x:HostNames: 'bad name!'")]
    [InlineData("VirtualHosts:x:Bogus", "1", "VirtualHosts:x:Bogus: unknown setting")]
    [InlineData("VirtualHosts:x:Sftp:MaxVersion", "9", "VirtualHosts:x:Sftp:MaxVersion")]
    [InlineData("VirtualHosts:x:Banner", "", "VirtualHosts:x: needs HostNames or Listeners")]
    [InlineData("VirtualHosts:x:Ssh:Ciphers:0", "rot13", "VirtualHosts:x:Ssh")]
    [InlineData("Accounts:Provider", "mysql", "Accounts:Provider: must be one of sqlite, postgresql, config")]
    [InlineData("Accounts:Provider", "postgresql", "Accounts:ConnectionString: must be set for the postgresql provider")]
    [InlineData("Accounts:Conection", "x", "Accounts:Conection: unknown setting")]
    [InlineData("Server:StateDirectory", "./data/.state", "Server:StateDirectory: must not be inside a data root")]
    [InlineData("Server:StateDirectory", "./data", "Server:StateDirectory: must not be inside a data root")]
    [InlineData("Admin:Port", "70000", "Admin:Port: must be 0-65535")]
    [InlineData("Admin:Address", "localhost", "Admin:Address: must be an IP address")]
    [InlineData("Admin:EndSessions", "later", "Admin:EndSessions")]
    [InlineData("Admin:EnforcementIntervalSeconds", "0", "Admin:EnforcementIntervalSeconds: must be 1-3600")]
    public void Each_problem_names_its_key(string key, string value, string expected)
    {
        var problems = ProblemsWith((key, value));
        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_listener_may_belong_to_one_virtual_host_and_a_name_to_one_host()
    {
        var problems = ProblemsWith(("VirtualHosts:a:Listeners:0", "ftp"), ("VirtualHosts:b:Listeners:0", "ftp"),
            ("VirtualHosts:a:HostNames:0", "files.test"), ("VirtualHosts:b:HostNames:0", "FILES.test"));
        Assert.Contains("VirtualHosts:b:Listeners: 'ftp' already belongs to a", problems);
        Assert.Contains("VirtualHosts:b:HostNames: 'FILES.test' already names a", problems);
        Assert.Empty(ProblemsWith(("VirtualHosts:a:HostNames:0", "*.files.test"), ("VirtualHosts:a:Listeners:0", "auto"),
            ("Listeners:auto:ProxyProtocol", "optional"), ("Listeners:auto:TrustedProxies:0", "10.0.0.0/8"),
            ("Listeners:auto:TrustedProxies:1", "2001:db8::1")));
    }

    [Fact]
    public void A_value_of_the_wrong_type_stops_the_build_naming_the_key()
    {
        var result = MultiXferHost.Build([], [new("Server:MaxConnections", "many")], TextWriter.Null);
        Assert.Null(result.Host);
        Assert.Contains(result.Problems, p => p.Contains("Server:MaxConnections", StringComparison.Ordinal));
    }

    [Fact]
    public void A_listener_s_algorithm_list_replaces_the_global_one_and_is_validated_on_its_own()
    {
        var problems = ProblemsWith(("Ssh:Ciphers:0", "aes128-ctr"), ("Listeners:ssh:Ssh:Ciphers:0", "chacha20-poly1305@openssh.com"),
            ("Listeners:ssh:Ssh:Ciphers:1", "chacha20-poly1305@openssh.com"));
        Assert.Contains(problems, p => p.StartsWith("Listeners:ssh:Ssh:Ciphers: 'chacha20-poly1305@openssh.com' is listed twice", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.StartsWith("Ssh:Ciphers", StringComparison.Ordinal));
    }

    [Fact]
    public void Users_are_validated_with_their_keys()
    {
        var problems = ProblemsWith(
            ("Users:carol:PasswordHash", Auth.PasswordHasher.HashPbkdf2("x", 10_000)),
            ("Users:carol:Home", "relative"),
            ("Users:carol:Protocols:0", "telnet"),
            ("Users:carol:Permissions:/", "list,fly"));
        Assert.Contains(problems, p => p.StartsWith("Users:carol:Home", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Users:carol:Protocols", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("unknown permission 'fly'", StringComparison.Ordinal));
    }

    [Fact]
    public void Command_line_overrides_and_the_config_file_replace_the_default()
    {
        var overridden = MultiXferSettings.Bind(ConfigurationSources.Build(["--Server:Banner=From the command line"]));
        Assert.Equal("From the command line", overridden.Server.Banner);

        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "Server": { "Banner": "From a file" }, "Listeners": { "x": { "Port": 2999, "Protocol": "ftp" } } }""");

            var fromFile = MultiXferSettings.Bind(ConfigurationSources.Build(["--config", file]));
            Assert.Equal("From a file", fromFile.Server.Banner);
            Assert.Equal(["x"], fromFile.Listeners.Keys);
            var both = MultiXferSettings.Bind(ConfigurationSources.Build([$"--config={file}", "--Server:Banner=Both"]));
            Assert.Equal("Both", both.Server.Banner);
        }
        finally
        {
            File.Delete(file);
        }

        var missing = MultiXferHost.Build(["--config", "/nonexistent/multixfer.json"], null, TextWriter.Null);
        Assert.Contains(missing.Problems, p => p.Contains("/nonexistent/multixfer.json", StringComparison.Ordinal));
    }

    [Fact]
    public void A_user_list_of_protocols_replaces_the_default_list()
    {
        var settings = MultiXferSettings.Bind(ConfigurationSources.Build([], [
            new("Users:dave:PasswordHash", "x"), new("Users:dave:Protocols:0", "sftp")]));
        Assert.Equal(["sftp"], settings.Users["dave"].Protocols);
    }
}
