using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Fsio;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.UserAuth;

namespace MultiXfer.Ssh.Tests.Certificates;

/// <summary>
/// Whether a certificate from ssh-keygen logs in, and with what restrictions: <see cref="UserKeyPolicy.RefusalOf(SshCertificate, IPAddress)"/>
/// first, then <see cref="UserKeyPolicy.Grant(UserAccount, SshCertificate, IPAddress, out string)"/>, in the order
/// UserAuthService asks them.
/// </summary>
[Collection(KeygenCertificatesCollection.Name)]
public sealed class UserKeyPolicyTests(KeygenCertificates keygen)
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    [Theory]
    [MemberData(nameof(KeygenCertificates.KindData), MemberType = typeof(KeygenCertificates))]
    public void A_trusted_ca_admits_a_certificate_naming_the_user(string ca)
    {
        var policy = Policy(trusted: [keygen.PublicLine($"ca-{ca}")]);
        var certificate = Certificate(ca, "-n", "bob,alice");

        Assert.Null(policy.RefusalOf(certificate, Client));
        Assert.Equal(new KeyGrant(SftpOnly: false), policy.Grant(Account(), certificate, Client, out string refusal));
        Assert.Equal("", refusal);
    }

    [Fact]
    public void A_trusted_ca_certificate_for_other_principals_is_refused()
    {
        var policy = Policy();

        Assert.Null(Login(policy, Account(), Certificate("ed25519", "-n", "bob,alice2,ALICE"), out string refusal));
        Assert.Equal("it names none of the principals allowed for alice", refusal);
        // sshd refuses certificates without principals from TrustedUserCAKeys ("Certificate lacks principal list").
        Assert.Null(Login(policy, Account(), Certificate("ed25519"), out refusal));
        Assert.Equal("it names none of the principals allowed for alice", refusal);
    }

    [Fact]
    public void Authorized_principals_replace_the_user_name()
    {
        var policy = Policy();
        var account = Account(principals: ["ops", "backup"]);

        Assert.Null(Login(policy, account, Certificate("ed25519", "-n", "alice"), out string refusal));
        Assert.Equal("it names none of the principals allowed for alice", refusal);
        Assert.NotNull(Login(policy, account, Certificate("ed25519", "-n", "ops"), out _));
        Assert.NotNull(Login(policy, account, Certificate("ed25519", "-n", "root,backup"), out _));
    }

    [Fact]
    public void A_ca_nobody_trusts_is_refused()
    {
        var policy = Policy();
        var certificate = Certificate("ecdsa", "-n", "alice");

        // Nothing about the certificate itself is wrong: only the account decides, and it does not trust this CA.
        Assert.Null(policy.RefusalOf(certificate, Client));
        Assert.Null(policy.Grant(Account(), certificate, Client, out string refusal));
        Assert.Equal($"its CA {keygen.PublicKey("ca-ecdsa").Fingerprint} is not trusted for alice", refusal);
    }

    [Fact]
    public void A_cert_authority_line_with_principals_admits_those_principals_only()
    {
        var policy = Policy(trusted: []);
        var account = Account(keys: [$"cert-authority,principals=\"ops,deploy\" {keygen.PublicLine("ca-ecdsa")}"]);

        Assert.NotNull(Login(policy, account, Certificate("ecdsa", "-n", "deploy"), out string refusal));
        Assert.NotNull(Login(policy, account, Certificate("ecdsa", "-n", "root,ops"), out refusal));
        Assert.Null(Login(policy, account, Certificate("ecdsa", "-n", "alice"), out refusal));
        Assert.Equal("it names none of the principals allowed for alice", refusal);
        // The line names one CA; another CA's certificate for the same principal is not admitted by it.
        Assert.Null(Login(policy, account, Certificate("ed25519", "-n", "deploy"), out refusal));
        Assert.Equal($"its CA {keygen.PublicKey("ca-ed25519").Fingerprint} is not trusted for alice", refusal);
    }

    [Fact]
    public void A_cert_authority_line_without_principals_admits_the_user_name_or_no_principals()
    {
        var policy = Policy(trusted: []);
        var account = Account(keys: [$"cert-authority {keygen.PublicLine("ca-rsa")}"]);

        Assert.NotNull(Login(policy, account, Certificate("rsa", "-n", "alice"), out string refusal));
        // As in sshd's authorized_keys: a certificate with no principals is valid for any name there.
        Assert.NotNull(Login(policy, account, Certificate("rsa"), out refusal));
        Assert.Null(Login(policy, account, Certificate("rsa", "-n", "bob"), out refusal));
        Assert.Equal("it names none of the principals allowed for alice", refusal);
    }

    [Fact]
    public void A_cert_authority_line_keeps_its_own_restrictions()
    {
        var policy = Policy(trusted: []);
        var account = Account(keys: [$"cert-authority,from=\"10.0.0.0/8\",command=\"internal-sftp\" {keygen.PublicLine("ca-ecdsa")}"]);
        var certificate = Certificate("ecdsa", "-n", "alice");

        Assert.Null(Login(policy, account, certificate, out string refusal, Client));
        Assert.Equal($"its CA {keygen.PublicKey("ca-ecdsa").Fingerprint} is not trusted for alice", refusal);
        Assert.Equal(new KeyGrant(SftpOnly: true), Login(policy, account, certificate, out _, IPAddress.Parse("10.1.2.3")));
    }

    [Fact]
    public void A_cert_authority_key_never_logs_in_as_a_plain_key()
    {
        var policy = Policy(trusted: []);
        var caKey = keygen.PublicKey("ca-ed25519");

        Assert.Null(policy.Grant(Account(keys: [$"cert-authority {keygen.PublicLine("ca-ed25519")}"]), caKey, Client));
        Assert.NotNull(policy.Grant(Account(keys: [keygen.PublicLine("ca-ed25519")]), caKey, Client));
    }

    [Fact]
    public void A_plain_authorized_key_does_not_admit_certificates_of_that_key()
    {
        // sshd matches a certificate against cert-authority lines only; the client may still offer the plain key.
        var policy = Policy(trusted: []);
        var account = Account(keys: [keygen.PublicLine("user-ed25519")]);
        var certificate = Certificate("ecdsa", "-n", "alice");

        Assert.NotNull(policy.Grant(account, certificate.Key, Client));
        Assert.Null(Login(policy, account, certificate, out string refusal));
        Assert.Equal($"its CA {keygen.PublicKey("ca-ecdsa").Fingerprint} is not trusted for alice", refusal);
    }

    [Theory]
    [InlineData("it is not a user certificate", "-h")]
    [InlineData("it has expired", "-V", "20000101000000Z:20000102000000Z")]
    [InlineData("it is not yet valid", "-V", "+1d:+2d")]
    [InlineData("it has critical option verify-required, which this server does not support", "-O", "verify-required")]
    [InlineData("it has critical option frob@example.com, which this server does not support", "-O", "critical:frob@example.com=1")]
    [InlineData("its force-command \"/bin/sh\" is not something this server can run (only internal-sftp)", "-O", "force-command=/bin/sh")]
    [InlineData("its force-command \"internal-sftp -R\" is not something this server can run (only internal-sftp)",
        "-O", "force-command=internal-sftp -R")]
    [InlineData("its source-address 10.0.0.0/8,2001:db8::/32 does not admit 192.0.2.10", "-O", "source-address=10.0.0.0/8,2001:db8::/32")]
    public void Certificates_that_may_not_log_in_as_anyone_are_refused_with_a_reason(string reason, params string[] arguments)
    {
        var policy = Policy();
        var certificate = Certificate("ed25519", ["-n", "alice", .. arguments]);

        Assert.Equal(reason, policy.RefusalOf(certificate, Client));
        // Grant alone would admit it: the refusal is RefusalOf's, for the certificate and not the account.
        Assert.NotNull(policy.Grant(Account(), certificate, Client, out _));
    }

    [Fact]
    public void Validity_is_judged_by_the_policys_clock()
    {
        var clock = new Clock(DateTimeOffset.FromUnixTimeSeconds(1_600_000_000));
        var policy = Policy(time: clock);
        var certificate = Certificate("ed25519", "-n", "alice", "-V", "0x5F5E1000:0x5F5E1E10");

        Assert.Null(policy.RefusalOf(certificate, Client));
        clock.Now = clock.Now.AddSeconds(-1);
        Assert.Equal("it is not yet valid", policy.RefusalOf(certificate, Client));
        clock.Now = clock.Now.AddSeconds(3601);
        Assert.Equal("it has expired", policy.RefusalOf(certificate, Client));
        clock.Now = clock.Now.AddSeconds(-1);
        Assert.Null(policy.RefusalOf(certificate, Client));
    }

    [Fact]
    public void Sha1_ca_signatures_and_changed_certificates_are_refused()
    {
        var policy = Policy(trusted: [keygen.PublicLine("ca-rsa")]);
        var sha1 = KeygenCertificates.Parse(keygen.CertificateFile("rsa", "ed25519", "keyid", "-n", "alice", "-t", "ssh-rsa"));
        var sha256 = KeygenCertificates.Parse(keygen.CertificateFile("rsa", "ed25519", "keyid", "-n", "alice", "-t", "rsa-sha2-256"));
        var fields = CertificateFields.Read(KeygenCertificates.Blob(keygen.CertificateFile("rsa", "ed25519", "keyid", "-n", "bob")));
        fields.Principals = ["alice"];
        Assert.True(SshCertificate.TryParse(fields.WithOldSignature(), out var changed, out string problem), problem);

        const string BadSignature = "the CA signature does not verify with an allowed algorithm";
        Assert.Equal(BadSignature, policy.RefusalOf(sha1, Client));
        Assert.Equal(BadSignature, policy.RefusalOf(changed, Client));
        Assert.Null(policy.RefusalOf(sha256, Client));
    }

    [Fact]
    public void Force_command_internal_sftp_grants_sftp_only()
    {
        var policy = Policy();
        var certificate = Certificate("ed25519", "-n", "alice", "-O", "force-command=internal-sftp");

        Assert.Equal(new KeyGrant(SftpOnly: true), Login(policy, Account(), certificate, out _));
        // Through a cert-authority line too.
        var viaLine = Certificate("ecdsa", "-n", "alice", "-O", "force-command=internal-sftp");
        var account = Account(keys: [$"cert-authority {keygen.PublicLine("ca-ecdsa")}"]);
        Assert.Equal(new KeyGrant(SftpOnly: true), Login(policy, account, viaLine, out _));
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("2001:db8::5")]
    public void Source_address_admits_clients_it_lists(string client)
    {
        var policy = Policy();
        var certificate = Certificate("ed25519", "-n", "alice", "-O", "source-address=10.0.0.0/8,2001:db8::/32");

        Assert.NotNull(Login(policy, Account(), certificate, out string refusal, IPAddress.Parse(client)));
        Assert.Equal("", refusal);
    }

    [Fact]
    public void Revoked_certificates_and_keys_are_refused()
    {
        string krl = keygen.KrlFromSpec("ed25519", "serial: 5");
        keygen.UpdateKrl(krl, null, $"key: {keygen.PublicLine("user-other")}");
        var policy = Policy(revoked: krl);

        Assert.Equal("it is revoked by Ssh:RevokedKeysFile", policy.RefusalOf(Certificate("ed25519", "-n", "alice", "-z", "5"), Client));
        Assert.Null(policy.RefusalOf(Certificate("ed25519", "-n", "alice", "-z", "6"), Client));
        Assert.Equal("it is revoked by Ssh:RevokedKeysFile", policy.RefusalOf(keygen.PublicKey("user-other")));
        Assert.Null(policy.RefusalOf(keygen.PublicKey("user-ed25519")));
    }

    [Fact]
    public void A_missing_or_unreadable_revoked_keys_file_refuses_every_key()
    {
        string path = keygen.NewPath("revoked");
        var policy = Policy(revoked: path);
        var certificate = Certificate("ed25519", "-n", "alice", "-z", "6");
        var key = keygen.PublicKey("user-ed25519");

        Assert.Equal($"Ssh:RevokedKeysFile cannot be used ({path} does not exist), so no key is accepted", policy.RefusalOf(certificate, Client));
        Assert.Equal($"Ssh:RevokedKeysFile cannot be used ({path} does not exist), so no key is accepted", policy.RefusalOf(key));

        WriteWithNewTime(path, File.ReadAllBytes(keygen.KrlFromSpec("ed25519", "serial: 5")), minutes: 1);
        Assert.Null(policy.RefusalOf(certificate, Client));
        Assert.Null(policy.RefusalOf(key));

        WriteWithNewTime(path, "not a key\n"u8.ToArray(), minutes: 2);
        Assert.StartsWith("Ssh:RevokedKeysFile cannot be used (", policy.RefusalOf(certificate, Client), StringComparison.Ordinal);
        Assert.StartsWith("Ssh:RevokedKeysFile cannot be used (", policy.RefusalOf(key), StringComparison.Ordinal);
    }

    [Fact]
    public void An_edited_revoked_keys_file_takes_effect_without_a_restart()
    {
        string path = keygen.NewPath("revoked");
        WriteWithNewTime(path, File.ReadAllBytes(keygen.KrlFromSpec("ed25519", "serial: 5")), minutes: 1);
        var policy = Policy(revoked: path);
        var five = Certificate("ed25519", "-n", "alice", "-z", "5");
        var six = Certificate("ed25519", "-n", "alice", "-z", "6");
        Assert.NotNull(policy.RefusalOf(five, Client));
        Assert.Null(policy.RefusalOf(six, Client));

        WriteWithNewTime(path, File.ReadAllBytes(keygen.KrlFromSpec("ed25519", "serial: 6")), minutes: 2);

        Assert.Null(policy.RefusalOf(five, Client));
        Assert.Equal("it is revoked by Ssh:RevokedKeysFile", policy.RefusalOf(six, Client));
    }

    [Fact]
    public void An_edited_trusted_ca_file_takes_effect_and_adds_to_the_configured_cas()
    {
        string path = keygen.NewPath("trusted");
        WriteWithNewTime(path, System.Text.Encoding.UTF8.GetBytes($"# CAs\n{keygen.PublicLine("ca-ecdsa")}\n"), minutes: 1);
        var policy = Policy(caFile: path);
        var fromEcdsa = Certificate("ecdsa", "-n", "alice");
        var fromRsa = Certificate("rsa", "-n", "alice");
        var fromConfigured = Certificate("ed25519", "-n", "alice");

        Assert.NotNull(Login(policy, Account(), fromEcdsa, out _));
        Assert.Null(Login(policy, Account(), fromRsa, out _));
        Assert.NotNull(Login(policy, Account(), fromConfigured, out _));

        WriteWithNewTime(path, System.Text.Encoding.UTF8.GetBytes(keygen.PublicLine("ca-rsa")), minutes: 2);

        Assert.Null(Login(policy, Account(), fromEcdsa, out _));
        Assert.NotNull(Login(policy, Account(), fromRsa, out _));

        // A file that cannot be used trusts nothing of its own; the configured CAs still count.
        File.Delete(path);
        Assert.Null(Login(policy, Account(), fromRsa, out _));
        Assert.NotNull(Login(policy, Account(), fromConfigured, out _));
    }

    [Fact]
    public void Trusted_ca_keys_take_no_options()
    {
        var options = new SshOptions
        {
            TrustedUserCAKeys = [keygen.PublicLine("ca-ed25519"), $"cert-authority {keygen.PublicLine("ca-rsa")}", "not a key"],
        };

        var problems = UserKeyPolicy.Validate(options);

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("Ssh:TrustedUserCAKeys:1: a trusted CA key takes no options", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("Ssh:TrustedUserCAKeys:2: ", problems[1], StringComparison.Ordinal);
    }

    /// <summary>The ed25519 user key certified by ca-CA with ARGUMENTS.</summary>
    private SshCertificate Certificate(string ca, params string[] arguments) =>
        KeygenCertificates.Parse(keygen.CertificateFile(ca, "ed25519", "keyid", arguments));

    /// <summary>Trusts ca-ed25519 unless told otherwise.</summary>
    private UserKeyPolicy Policy(string[]? trusted = null, string? revoked = null, string? caFile = null, TimeProvider? time = null) =>
        new(new SshOptions
        {
            TrustedUserCAKeys = [.. trusted ?? [keygen.PublicLine("ca-ed25519")]],
            TrustedUserCAKeysFile = caFile,
            RevokedKeysFile = revoked,
        }, time ?? TimeProvider.System, NullLogger.Instance);

    private static UserAccount Account(IReadOnlyList<string>? keys = null, IReadOnlyList<string>? principals = null) => new()
    {
        Name = "alice",
        Home = VirtualPath.Root,
        Protocols = new HashSet<string> { Protocols.Sftp, Protocols.Scp },
        Permissions = new PermissionRules([], readOnly: false),
        AuthorizedKeys = keys ?? [],
        AuthorizedPrincipals = principals,
    };

    /// <summary>RefusalOf, then Grant: the two questions UserAuthService asks of a certificate.</summary>
    private static KeyGrant? Login(UserKeyPolicy policy, UserAccount account, SshCertificate certificate, out string refusal,
        IPAddress? client = null)
    {
        client ??= Client;
        if (policy.RefusalOf(certificate, client) is { } refused)
        {
            refusal = refused;
            return null;
        }

        return policy.Grant(account, certificate, client, out refusal);
    }

    /// <summary>Watched files are re-read when size or modification time changes; a distinct time makes the change certain.</summary>
    private static void WriteWithNewTime(string path, byte[] content, int minutes)
    {
        File.WriteAllBytes(path, content);
        File.SetLastWriteTimeUtc(path, new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(minutes));
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
