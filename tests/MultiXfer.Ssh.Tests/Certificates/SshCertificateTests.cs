using System.Net;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Tests.Keys;

namespace MultiXfer.Ssh.Tests.Certificates;

[Collection(KeygenCertificatesCollection.Name)]
public sealed class SshCertificateTests(KeygenCertificates keygen)
{
    /// <summary>What UserKeyPolicy allows CAs to sign with: OpenSSH's default CASignatureAlgorithms, no SHA-1.</summary>
    private static readonly IReadOnlySet<string> Allowed = SshAlgorithms.UserSignatureAlgorithms.ToHashSet();

    // 2020-09-13T12:26:40Z and an hour later, given to ssh-keygen as seconds so no time zone is involved.
    private const ulong After = 1_600_000_000;
    private const ulong Before = After + 3600;
    private const string Window = "0x5F5E1000:0x5F5E1E10";

    [Theory]
    [InlineData("ed25519", "ed25519", "ssh-ed25519-cert-v01@openssh.com")]
    [InlineData("ecdsa", "ecdsa", "ecdsa-sha2-nistp256-cert-v01@openssh.com")]
    [InlineData("rsa", "rsa", "ssh-rsa-cert-v01@openssh.com")]
    [InlineData("rsa", "ed25519", "ssh-rsa-cert-v01@openssh.com")]
    [InlineData("ed25519", "ecdsa", "ssh-ed25519-cert-v01@openssh.com")]
    [InlineData("ecdsa", "rsa", "ecdsa-sha2-nistp256-cert-v01@openssh.com")]
    public void Certificates_from_ssh_keygen_parse_with_every_field(string user, string ca, string type)
    {
        string file = keygen.CertificateFile(ca, user, "alice@laptop", "-n", "alice,bob", "-z", "12345", "-V", Window);
        byte[] blob = KeygenCertificates.Blob(file);

        Assert.True(SshCertificate.TryParse(blob, out var certificate, out string problem), problem);

        Assert.Equal(type, certificate.CertificateType);
        Assert.Equal(type, File.ReadAllText(file).Split(' ')[0]);
        Assert.Equal(blob, certificate.Blob);
        Assert.Equal(keygen.PublicKey($"user-{user}"), certificate.Key);
        Assert.Equal(keygen.PublicKey($"ca-{ca}"), certificate.SignatureKey);
        // ssh-keygen -l prints the certified key's fingerprint for a certificate file.
        Assert.Equal(Tool.KeygenFingerprint(file), certificate.Key.Fingerprint);
        Assert.Equal(12345UL, certificate.Serial);
        Assert.Equal(SshCertificate.UserCertificate, certificate.Kind);
        Assert.Equal("alice@laptop", certificate.KeyId);
        Assert.Equal(["alice", "bob"], certificate.Principals);
        Assert.Equal(After, certificate.ValidAfter);
        Assert.Equal(Before, certificate.ValidBefore);
        // ssh-keygen adds its default extensions (permit-pty and so on); they are not critical options.
        Assert.Null(certificate.Options.ForceCommand);
        Assert.Null(certificate.Options.SourceAddress);
        Assert.Empty(certificate.Options.Unknown);
        Assert.True(certificate.SignatureVerifies(Allowed));
    }

    [Fact]
    public void Defaults_are_serial_zero_no_principals_and_valid_forever()
    {
        var certificate = keygen.Issue();

        Assert.Equal(0UL, certificate.Serial);
        Assert.Empty(certificate.Principals);
        Assert.Equal(0UL, certificate.ValidAfter);
        Assert.Equal(ulong.MaxValue, certificate.ValidBefore);
        Assert.True(certificate.IsValidAt(DateTimeOffset.UnixEpoch));
        Assert.True(certificate.IsValidAt(DateTimeOffset.MaxValue));
        // Before the epoch there are no seconds to compare; nothing is valid there.
        Assert.False(certificate.IsValidAt(DateTimeOffset.UnixEpoch.AddSeconds(-1)));
    }

    [Fact]
    public void Host_certificates_are_kind_two()
    {
        var certificate = keygen.Issue("-h", "-n", "sftp.example.com");

        Assert.Equal(SshCertificate.HostCertificate, certificate.Kind);
        Assert.Equal(["sftp.example.com"], certificate.Principals);
        Assert.True(certificate.SignatureVerifies(Allowed));
    }

    [Fact]
    public void Valid_after_is_inclusive_and_valid_before_exclusive()
    {
        var certificate = keygen.Issue("-V", Window);
        var after = DateTimeOffset.FromUnixTimeSeconds((long)After);
        var before = DateTimeOffset.FromUnixTimeSeconds((long)Before);

        Assert.False(certificate.IsValidAt(after.AddSeconds(-1)));
        Assert.False(certificate.IsValidAt(after.AddMilliseconds(-1)));
        Assert.True(certificate.IsValidAt(after));
        Assert.True(certificate.IsValidAt(after.AddMilliseconds(1)));
        Assert.True(certificate.IsValidAt(before.AddSeconds(-1)));
        Assert.True(certificate.IsValidAt(before.AddMilliseconds(-1)));
        Assert.False(certificate.IsValidAt(before));
        Assert.False(certificate.IsValidAt(before.AddSeconds(1)));
    }

    [Fact]
    public void Relative_validity_from_ssh_keygen_starts_in_the_future()
    {
        var now = DateTimeOffset.UtcNow;
        var certificate = keygen.Issue("-V", "+1d:+2d");

        Assert.False(certificate.IsValidAt(now));
        Assert.True(certificate.IsValidAt(now.AddHours(36)));
        Assert.False(certificate.IsValidAt(now.AddDays(3)));
    }

    [Fact]
    public void Rsa_ca_signatures_verify_with_sha2_but_not_with_sha1()
    {
        var sha512 = KeygenCertificates.Parse(keygen.CertificateFile("rsa", "ed25519", "sha512", "-t", "rsa-sha2-512"));
        var sha1 = KeygenCertificates.Parse(keygen.CertificateFile("rsa", "ed25519", "sha1", "-t", "ssh-rsa"));

        Assert.True(sha512.SignatureVerifies(Allowed));
        Assert.False(sha512.SignatureVerifies(new HashSet<string> { "rsa-sha2-256" }));
        Assert.False(sha1.SignatureVerifies(Allowed));
        // The SHA-1 signature itself is sound: it is refused for its algorithm alone.
        Assert.True(sha1.SignatureVerifies(new HashSet<string> { "ssh-rsa" }));
    }

    [Theory]
    [MemberData(nameof(KeygenCertificates.KindData), MemberType = typeof(KeygenCertificates))]
    public void Any_changed_bit_fails_the_parse_or_the_signature(string kind)
    {
        byte[] blob = KeygenCertificates.Blob(keygen.CertificateFile(kind, kind, "keyid", "-n", "alice", "-z", "7",
            "-O", "force-command=internal-sftp", "-O", "source-address=10.0.0.0/8"));
        Assert.True(SshCertificate.TryParse(blob, out var original, out _) && original.SignatureVerifies(Allowed));

        for (int i = 0; i < blob.Length; i++)
        {
            foreach (byte bit in new byte[] { 0x01, 0x80 })
            {
                byte[] changed = (byte[])blob.Clone();
                changed[i] ^= bit;

                bool parsed = SshCertificate.TryParse(changed, out var certificate, out string problem);

                Assert.True(parsed || problem.Length > 0, $"byte {i}: refused without a reason");
                Assert.False(parsed && certificate!.SignatureVerifies(Allowed), $"byte {i} ^ {bit:x2} still verifies");
            }
        }
    }

    [Fact]
    public void A_changed_signed_field_or_signature_parses_but_does_not_verify()
    {
        var fields = CertificateFields.Read(KeygenCertificates.Blob(keygen.IssueFile("-n", "alice")));
        fields.Principals = ["root"];
        byte[] otherPrincipal = fields.WithOldSignature();
        fields.Principals = ["alice"];
        fields.Signature[^1] ^= 1;
        byte[] badSignature = fields.WithOldSignature();

        Assert.True(SshCertificate.TryParse(otherPrincipal, out var certificate, out string problem), problem);
        Assert.Equal(["root"], certificate.Principals);
        Assert.False(certificate.SignatureVerifies(Allowed));
        Assert.True(SshCertificate.TryParse(badSignature, out certificate, out problem), problem);
        Assert.False(certificate.SignatureVerifies(Allowed));
    }

    [Fact]
    public void Fields_rebuilt_and_signed_again_give_ssh_keygens_bytes()
    {
        // Ed25519 signatures are deterministic, so the hand-made certificates below differ from ssh-keygen's only
        // where a test changes a field.
        byte[] blob = KeygenCertificates.Blob(keygen.IssueFile("-n", "alice,bob", "-z", "9", "-O", "source-address=10.0.0.0/8"));
        using var ca = keygen.CaPrivateKey("ed25519");

        Assert.Equal(blob, CertificateFields.Read(blob).SignedBy(ca, "ssh-ed25519"));
        Assert.Equal(blob, CertificateFields.Read(blob).WithOldSignature());
    }

    [Theory]
    [MemberData(nameof(KeygenCertificates.KindData), MemberType = typeof(KeygenCertificates))]
    public void Every_truncation_and_trailing_data_are_refused(string kind)
    {
        byte[] blob = KeygenCertificates.Blob(keygen.CertificateFile(kind, kind, "keyid", "-n", "alice"));

        for (int length = 0; length < blob.Length; length++)
        {
            Assert.False(SshCertificate.TryParse(blob.AsSpan(0, length), out var certificate, out string problem), $"length {length}");
            Assert.Null(certificate);
            Assert.NotEmpty(problem);
        }

        Assert.False(SshCertificate.TryParse([.. blob, 0], out _, out string trailing));
        Assert.Contains("trailing data", trailing, StringComparison.Ordinal);
        Assert.False(SshCertificate.TryParse([.. blob, 0, 0, 0, 0], out _, out _));
    }

    [Fact]
    public void A_ca_key_that_is_itself_a_certificate_is_refused()
    {
        // PROTOCOL.certkeys forbids chains; ssh-keygen cannot write one, so a real certificate goes in the CA field.
        var fields = CertificateFields.Read(KeygenCertificates.Blob(keygen.IssueFile("-n", "alice")));
        fields.CaKey = KeygenCertificates.Blob(keygen.CertificateFile("ecdsa", "ed25519", "intermediate"));
        using var ca = keygen.CaPrivateKey("ed25519");

        Assert.False(SshCertificate.TryParse(fields.SignedBy(ca, "ssh-ed25519"), out var certificate, out string problem));
        Assert.Null(certificate);
        Assert.StartsWith("certificate's CA key is not usable", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void At_most_256_principals()
    {
        // ssh-keygen itself refuses more than 256 (Too many certificate principals specified); a CA that is not
        // ssh-keygen could still sign such a certificate.
        var fields = CertificateFields.Read(KeygenCertificates.Blob(keygen.IssueFile("-n", "alice")));
        using var ca = keygen.CaPrivateKey("ed25519");
        fields.Principals = [.. Enumerable.Range(1, SshCertificate.MaxPrincipals).Select(i => $"user{i}")];
        byte[] most = fields.SignedBy(ca, "ssh-ed25519");
        fields.Principals.Add("alice");
        byte[] tooMany = fields.SignedBy(ca, "ssh-ed25519");

        Assert.True(SshCertificate.TryParse(most, out var certificate, out string problem), problem);
        Assert.Equal(256, certificate.Principals.Count);
        Assert.True(certificate.SignatureVerifies(Allowed));
        Assert.False(SshCertificate.TryParse(tooMany, out _, out problem));
        Assert.Equal("certificate names more than 256 principals", problem);
    }

    [Fact]
    public void A_critical_option_named_twice_is_refused()
    {
        // ssh-keygen 9.2 writes the same critical option twice when asked to.
        byte[] blob = KeygenCertificates.Blob(keygen.IssueFile("-n", "alice", "-O", "critical:frob", "-O", "critical:frob"));

        Assert.Equal(2, CertificateFields.Read(blob).Critical.Count(o => o.Name == "frob"));
        Assert.False(SshCertificate.TryParse(blob, out _, out string problem));
        Assert.Equal("critical option frob appears twice", problem);
    }

    [Fact]
    public void Force_command_and_source_address_are_read()
    {
        var certificate = keygen.Issue("-n", "alice", "-O", "clear", "-O", "force-command=internal-sftp",
            "-O", "source-address=127.0.0.1/32,10.0.0.0/8");

        Assert.Equal("internal-sftp", certificate.Options.ForceCommand);
        Assert.Equal("127.0.0.1/32,10.0.0.0/8", certificate.Options.SourceAddress?.Text);
        Assert.Empty(certificate.Options.Unknown);
        Assert.True(certificate.Options.SourceAddress!.Matches(IPAddress.Parse("127.0.0.1")));
        Assert.True(certificate.Options.SourceAddress.Matches(IPAddress.Parse("10.200.3.4")));
        Assert.True(certificate.Options.SourceAddress.Matches(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.False(certificate.Options.SourceAddress.Matches(IPAddress.Parse("127.0.0.2")));
        Assert.False(certificate.Options.SourceAddress.Matches(IPAddress.Parse("11.0.0.1")));
        Assert.False(certificate.Options.SourceAddress.Matches(IPAddress.IPv6Loopback));
        Assert.True(certificate.SignatureVerifies(Allowed));
    }

    [Fact]
    public void Unknown_critical_options_are_listed()
    {
        var certificate = keygen.Issue("-n", "alice", "-O", "verify-required", "-O", "critical:frob@example.com=x",
            "-O", "force-command=internal-sftp");

        Assert.Equal(["frob@example.com", "verify-required"], certificate.Options.Unknown.Order(StringComparer.Ordinal));
        Assert.Equal("internal-sftp", certificate.Options.ForceCommand);
    }

    [Fact]
    public void Extensions_are_never_reported_as_critical_options()
    {
        var certificate = keygen.Issue("-n", "alice", "-O", "extension:frob@example.com=x", "-O", "no-pty");

        Assert.Empty(certificate.Options.Unknown);
        Assert.Null(certificate.Options.ForceCommand);
    }

    [Theory]
    [InlineData("10.0.0.1/8")]
    [InlineData("!10.0.0.0/8")]
    [InlineData("10.0.0.*")]
    [InlineData("10.0.0.0/8,")]
    public void A_source_address_ssh_keygen_would_refuse_fails_the_parse(string value)
    {
        // ssh-keygen checks source-address before signing, so these are hand-made; sshd refuses such a certificate.
        var fields = CertificateFields.Read(KeygenCertificates.Blob(keygen.IssueFile("-n", "alice")));
        fields.Critical = [("source-address", CertificateFields.Value(value))];
        using var ca = keygen.CaPrivateKey("ed25519");

        Assert.False(SshCertificate.TryParse(fields.SignedBy(ca, "ssh-ed25519"), out _, out string problem));
        Assert.Contains("source-address", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_critical_option_value_with_trailing_data_fails_the_parse()
    {
        var fields = CertificateFields.Read(KeygenCertificates.Blob(keygen.IssueFile("-n", "alice")));
        fields.Critical = [("force-command", [.. CertificateFields.Value("internal-sftp"), 0])];
        using var ca = keygen.CaPrivateKey("ed25519");

        Assert.False(SshCertificate.TryParse(fields.SignedBy(ca, "ssh-ed25519"), out _, out string problem));
        Assert.Equal("critical option force-command has trailing data", problem);
    }
}
