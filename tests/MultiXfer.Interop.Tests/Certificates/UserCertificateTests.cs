using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace MultiXfer.Interop.Tests.Certificates;

/// <summary>
/// User certificates made by ssh-keygen, presented by OpenSSH's ssh, sftp and scp: a CA trusted for every user
/// (Ssh:TrustedUserCAKeys, principals from Users:NAME:AuthorizedPrincipals), a CA trusted by one user's cert-authority
/// line, and Ssh:RevokedKeysFile as a KRL; SSH.NET 2026.0.1 logs in with certificates too, and, since it does not check
/// the CA signature itself as ssh does, presents the corrupted one. Each refusal is checked in the server's log for its reason, so a test
/// cannot pass because something else refused the login. A CA may also come from Ssh:TrustedUserCAKeysFile, edited
/// while the server runs.
/// </summary>
public sealed class UserCertificateTests : IAsyncLifetime
{
    private string _work = null!;
    private CertificateAuthority _trusted = null!;
    private CertificateAuthority _ginasCa = null!;
    private CertificateAuthority _stranger = null!;
    private string _revoked = null!;
    private string _trustedFile = null!;
    private TestServer _server = null!;
    private OpenSshClient _client = null!;

    private static string UserKey => SshTestKeys.ClientKey("id_ed25519");

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("mx-ssh-certs-").FullName;
        _trusted = new CertificateAuthority(_work, "user_ca");
        _ginasCa = new CertificateAuthority(_work, "ginas_ca", "rsa");
        _stranger = new CertificateAuthority(_work, "stranger_ca");
        _revoked = Path.Combine(_work, "revoked_keys");
        _trustedFile = Path.Combine(_work, "trusted_user_ca_keys");
        File.WriteAllText(_trustedFile, "# CAs added while the server runs\n");
        File.WriteAllText(_revoked, "# nothing revoked yet\n");
        string ginasKeys = Path.Combine(_work, "gina_authorized_keys");
        File.WriteAllText(ginasKeys, $"cert-authority,principals=\"ops,backup\" {_ginasCa.PublicKeyLine}\n");
        _server = await TestServer.StartAsync(settings =>
        {
            settings["Ssh:TrustedUserCAKeys:0"] = _trusted.PublicKeyLine;
            settings["Ssh:RevokedKeysFile"] = _revoked;
            settings["Ssh:TrustedUserCAKeysFile"] = _trustedFile;
            // Certificate-only users: no password, no keys of their own.
            settings["Users:frank:AuthorizedPrincipals:0"] = "frank";
            settings["Users:frank:AuthorizedPrincipals:1"] = "storage-admins";
            settings["Users:gina:AuthorizedKeysFile"] = ginasKeys;
        });
        _client = new OpenSshClient(_server);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_certificate_from_the_trusted_CA_logs_in_by_principal()
    {
        await AcceptedAsync("frank", _trusted.Certify(UserKey, "frank", "-n", "frank"));
        await AcceptedAsync("frank", _trusted.Certify(UserKey, "frank-group", "-n", "someone,storage-admins", "-z", "4242"));
        Assert.Contains("certificate accepted for frank: ssh-ed25519-cert-v01@openssh.com id \"frank-group\" serial 4242", _server.ReadLog());
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_certificate_naming_another_principal_is_refused()
    {
        await RefusedAsync("frank", _trusted.Certify(UserKey, "not-frank", "-n", "alice"), "names none of the principals allowed for frank");

        // No principal at all means "any" to PROTOCOL.certkeys; sshd refuses that from TrustedUserCAKeys, and so do we.
        await RefusedAsync("frank", _trusted.Certify(UserKey, "anyone"), "names none of the principals allowed for frank");
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task Expired_and_not_yet_valid_certificates_are_refused()
    {
        await RefusedAsync("frank", _trusted.Certify(UserKey, "expired", "-n", "frank", "-V", "20000101:20000102"), "it has expired");
        await RefusedAsync("frank", _trusted.Certify(UserKey, "future", "-n", "frank", "-V", "+1d:+2d"), "it is not yet valid");
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_certificate_from_an_untrusted_CA_is_refused()
    {
        await RefusedAsync("frank", _stranger.Certify(UserKey, "stranger", "-n", "frank"), "is not trusted for frank");
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_CA_added_to_the_trusted_keys_file_counts_from_the_next_login_and_stops_when_removed()
    {
        var added = new CertificateAuthority(_work, "added_ca", "ecdsa");
        string key = added.Certify(UserKey, "via-file", "-n", "frank");
        await RefusedAsync("frank", key, "is not trusted for frank");

        File.AppendAllText(_trustedFile, added.PublicKeyLine + "\n");
        await AcceptedAsync("frank", key);

        File.WriteAllText(_trustedFile, "# emptied again\n");
        await RefusedAsync("frank", key, "is not trusted for frank");
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task Source_address_is_enforced()
    {
        await RefusedAsync("frank", _trusted.Certify(UserKey, "far-away", "-n", "frank", "-O", "source-address=10.0.0.0/8,192.168.1.1"),
            "its source-address 10.0.0.0/8,192.168.1.1 does not admit");
        await AcceptedAsync("frank", _trusted.Certify(UserKey, "local", "-n", "frank", "-O", "source-address=10.0.0.0/8,127.0.0.0/8"));
    }

    [ClientFact("sftp", "scp", "ssh-keygen")]
    public async Task Scp_both_protocols_and_sftp_work_with_a_certificate()
    {
        string key = _trusted.Certify(UserKey, "transfers", "-n", "frank");
        Directory.CreateDirectory(_server.HomeOf("frank"));
        string local = Path.Combine(_work, "transfer.bin");
        byte[] content = SshTestSupport.RandomBytes(50_000);
        await File.WriteAllBytesAsync(local, content);

        var legacy = await RunAsync("scp", ["-O", .. Options(key, port: "-P"), local, "127.0.0.1:legacy-scp.bin"], "");
        var overSftp = await RunAsync("scp", ["-s", .. Options(key, port: "-P"), local, "127.0.0.1:sftp-scp.bin"], "");
        var sftp = await RunAsync("sftp", ["-b", "-", .. Options(key, port: "-P"), "127.0.0.1"], "get legacy-scp.bin " + local + ".back\n");

        Assert.True(legacy.ExitCode == 0 && overSftp.ExitCode == 0 && sftp.ExitCode == 0, $"{legacy}\n{overSftp}\n{sftp}");
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(_server.HomeOf("frank"), "legacy-scp.bin")));
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(_server.HomeOf("frank"), "sftp-scp.bin")));
        Assert.Equal(content, await File.ReadAllBytesAsync(local + ".back"));
    }

    [ClientFact("ssh", "sftp", "scp", "ssh-keygen")]
    public async Task Force_command_internal_sftp_allows_sftp_and_nothing_else()
    {
        string key = _trusted.Certify(UserKey, "sftp-only", "-n", "frank", "-O", "force-command=internal-sftp");
        Directory.CreateDirectory(_server.HomeOf("frank"));
        string local = Path.Combine(_work, "payload.bin");
        byte[] content = SshTestSupport.RandomBytes(70_000);
        await File.WriteAllBytesAsync(local, content);

        var sftp = await RunAsync("sftp", ["-b", "-", .. Options(key, port: "-P"), "127.0.0.1"], $"put {local} via-sftp.bin\n");
        Assert.True(sftp.ExitCode == 0, $"sftp with an internal-sftp certificate failed: {sftp}");
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(_server.HomeOf("frank"), "via-sftp.bin")));

        // Legacy SCP is an exec of "scp -t": the certificate does not allow it.
        var scp = await RunAsync("scp", ["-O", .. Options(key, port: "-P"), local, "127.0.0.1:via-scp.bin"], "");
        Assert.NotEqual(0, scp.ExitCode);
        Assert.False(File.Exists(Path.Combine(_server.HomeOf("frank"), "via-scp.bin")));
        Assert.Contains("user may not use scp", _server.ReadLog());
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task Force_command_naming_anything_else_refuses_the_login()
    {
        await RefusedAsync("frank", _trusted.Certify(UserKey, "shell", "-n", "frank", "-O", "force-command=/bin/sh"),
            "its force-command \"/bin/sh\" is not something this server can run");
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_cert_authority_line_admits_its_principals_only()
    {
        await AcceptedAsync("gina", _ginasCa.Certify(UserKey, "gina-ops", "-n", "ops"));
        await RefusedAsync("gina", _ginasCa.Certify(UserKey, "gina-by-name", "-n", "gina"), "names none of the principals allowed for gina");
        await RefusedAsync("gina", _ginasCa.Certify(UserKey, "gina-anyone"), "names none of the principals allowed for gina");

        // The globally trusted CA is not gina's business only: it admits gina by her name.
        await AcceptedAsync("gina", _trusted.Certify(UserKey, "gina", "-n", "gina"));

        // gina's CA is trusted by gina alone.
        await RefusedAsync("frank", _ginasCa.Certify(UserKey, "frank-via-gina", "-n", "frank,ops"), "is not trusted for frank");
    }

    /// <summary>The plain key alice logs in with is revoked by the same KRL: revocation is not for certificates only.</summary>
    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_KRL_revokes_by_serial_and_by_key_and_takes_effect_without_a_restart()
    {
        string bySerial = _trusted.Certify(UserKey, "serial-777", "-n", "frank", "-z", "777");
        string neighbour = _trusted.Certify(UserKey, "serial-778", "-n", "frank", "-z", "778");
        string ownKey = SshTestKeys.GenerateKey(_work, "revoked_user_key", "-t", "ed25519");
        string byKey = _trusted.Certify(ownKey, "own-key", "-n", "frank", "-z", "900");
        await AcceptedAsync("frank", bySerial);
        await AcceptedAsync("frank", byKey);

        string spec = Path.Combine(_work, "krl-spec");
        File.WriteAllText(spec, "serial: 777\n");
        string krl = Path.Combine(_work, "krl");
        await KeygenAsync("-k", "-f", krl, "-s", _trusted.PublicKeyFile, spec);
        await KeygenAsync("-k", "-u", "-f", krl, ownKey + ".pub");
        await AcceptedAsync("alice", SshTestKeys.ClientKey("id_ecdsa"));
        await KeygenAsync("-k", "-u", "-f", krl, SshTestKeys.ClientKey("id_ecdsa") + ".pub");
        Replace(_revoked, krl);

        await RefusedAsync("frank", bySerial, "revoked by Ssh:RevokedKeysFile");
        await RefusedAsync("frank", byKey, "revoked by Ssh:RevokedKeysFile");
        await RefusedAsync("alice", SshTestKeys.ClientKey("id_ecdsa"), "revoked by Ssh:RevokedKeysFile");
        await AcceptedAsync("frank", neighbour);
        await AcceptedAsync("alice", SshTestKeys.ClientKey("id_ed25519"));
    }

    [ClientFact("ssh", "ssh-keygen")]
    public async Task A_missing_revoked_keys_file_refuses_every_key_until_it_returns()
    {
        string key = _trusted.Certify(UserKey, "while-missing", "-n", "frank");
        string saved = _revoked + ".saved";
        File.Move(_revoked, saved);
        try
        {
            await RefusedAsync("frank", key, "Ssh:RevokedKeysFile cannot be used");
        }
        finally
        {
            File.Move(saved, _revoked);
        }

        await AcceptedAsync("frank", key);
    }

    [ClientFact("ssh-keygen")]
    public void SshNet_logs_in_with_a_certificate_and_uses_sftp()
    {
        string key = _trusted.Certify(UserKey, "sshnet", "-n", "frank");
        Directory.CreateDirectory(_server.HomeOf("frank"));
        File.WriteAllText(Path.Combine(_server.HomeOf("frank"), "listed.txt"), "x");
        using var client = SshNetClient(key);
        client.Connect();
        Assert.Contains(client.ListDirectory("/"), f => f.Name == "listed.txt");
    }

    [ClientFact("ssh-keygen")]
    public void SshNet_with_an_expired_certificate_is_refused()
    {
        string key = _trusted.Certify(UserKey, "sshnet-expired", "-n", "frank", "-V", "20000101:20000102");
        int before = SshTestSupport.CountInLog(_server, "it has expired");
        using var client = SshNetClient(key);
        Assert.Throws<SshAuthenticationException>(client.Connect);
        Assert.True(SshTestSupport.CountInLog(_server, "it has expired") > before, _server.ReadLog());
    }

    /// <summary>One bit of the CA's Ed25519 signature flipped: everything else about the certificate is in order.</summary>
    [ClientFact("ssh-keygen")]
    public void A_certificate_with_a_corrupted_CA_signature_is_refused()
    {
        string key = _trusted.Certify(UserKey, "corrupted", "-n", "frank");
        string[] words = File.ReadAllText(key + "-cert.pub").Trim().Split(' ');
        byte[] blob = Convert.FromBase64String(words[1]);
        blob[^1] ^= 0x01;
        File.WriteAllText(key + "-cert.pub", $"{words[0]} {Convert.ToBase64String(blob)} corrupted\n");

        const string Reason = "the CA signature does not verify with an allowed algorithm";
        int before = SshTestSupport.CountInLog(_server, Reason);
        using var client = SshNetClient(key);
        Assert.Throws<SshAuthenticationException>(client.Connect);
        Assert.True(SshTestSupport.CountInLog(_server, Reason) > before, _server.ReadLog());
    }

    private SftpClient SshNetClient(string key) =>
        new SftpClient(new ConnectionInfo("127.0.0.1", _server.SshPort, "frank",
            new PrivateKeyAuthenticationMethod("frank", new PrivateKeyFile(key, null, key + "-cert.pub")))).TrustingTheTestServer();

    private IEnumerable<string> Options(string key, string port) =>
    [
        "-F", "/dev/null", port, _server.SshPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-o", $"UserKnownHostsFile={_client.KnownHostsFile}", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes", "-o", "PreferredAuthentications=publickey", "-o", "User=frank", "-i", key,
    ];

    private static async Task<ProcessResult> RunAsync(string tool, IEnumerable<string> arguments, string input) =>
        await ProcessRunner.RunAsync(tool, arguments, TimeSpan.FromSeconds(120), standardInput: input);

    private static async Task KeygenAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("ssh-keygen", ["-q", .. arguments]);
        Assert.True(result.ExitCode == 0, $"ssh-keygen {string.Join(' ', arguments)}: {result}");
    }

    /// <summary>Swaps a file in by rename, as an operator's deploy tool would; the new inode changes its stamp for sure.</summary>
    private static void Replace(string target, string source)
    {
        File.Copy(source, target + ".new", overwrite: true);
        File.SetLastWriteTimeUtc(target + ".new", DateTime.UtcNow.AddSeconds(5));
        File.Move(target + ".new", target, overwrite: true);
    }

    private async Task AcceptedAsync(string user, string keyFile)
    {
        byte[] input = SshTestSupport.RandomBytes(3000);
        string? problem = SshTestSupport.EchoProblem(input, await _client.EchoWithKeyAsync(input, user, keyFile));
        Assert.True(problem is null, $"{user} with {Path.GetFileName(keyFile)}: {problem}\n{_server.ReadLog()}");
    }

    private async Task RefusedAsync(string user, string keyFile, string reason)
    {
        int before = SshTestSupport.CountInLog(_server, reason);
        var result = await _client.EchoWithKeyAsync([1, 2, 3], user, keyFile);
        Assert.True(result.ExitCode == 255 && result.Error.Contains("Permission denied", StringComparison.Ordinal),
            $"{user} with {Path.GetFileName(keyFile)} was not refused: {result}");
        Assert.True(SshTestSupport.CountInLog(_server, reason) > before, $"the log does not give the reason '{reason}':\n{_server.ReadLog()}");
    }
}
