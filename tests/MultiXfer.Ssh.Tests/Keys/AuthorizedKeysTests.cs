using System.Net;
using System.Security.Cryptography;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

[Collection(KeygenCollection.Name)]
public sealed class AuthorizedKeysTests(KeygenKeys keygen)
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string Ed25519Line = NewLine("ed25519");

    private static readonly string Ed25519Key = string.Join(' ', Ed25519Line.Split(' ')[..2]);

    [Fact]
    public void Parses_ssh_keygen_public_keys_with_comments_blank_lines_and_crlf()
    {
        string text = string.Join("\r\n", KeygenKeys.Kinds.Select(kind => File.ReadAllText(keygen.PathOf(kind) + ".pub").TrimEnd('\n'))
            .Prepend("# managed by hand").Prepend("").Append("   ").Append("\t# indented comment"));

        var result = AuthorizedKeys.Parse(text + "\r\n", SshPublicKey.DefaultMinimumRsaBits);

        Assert.Empty(result.Problems);
        Assert.Equal(KeygenKeys.Kinds.Select(kind => $"{kind}@keygen"), result.Keys.Select(k => k.Comment));
        Assert.Equal(
            KeygenKeys.Kinds.Select(kind => Tool.KeygenFingerprint(keygen.PathOf(kind))), result.Keys.Select(k => k.Key.Fingerprint));
        Assert.All(result.Keys, k => Assert.True(k.Permits(IPAddress.Parse("192.0.2.1"), Now)));
    }

    [Fact]
    public void Problems_name_their_line_and_do_not_stop_the_rest()
    {
        string text = $"{Ed25519Line}\nnot a key\n\n#x\nssh-dss AAAAB3NzaC1kc3M= old\r\n{Ed25519Key} second\n";

        var result = AuthorizedKeys.Parse(text, 2048);

        Assert.Equal(["test@example", "second"], result.Keys.Select(k => k.Comment));
        Assert.Equal([2, 5], result.Problems.Select(p => p.Line));
        Assert.Equal("line 5: unsupported key type ssh-dss", result.Problems[1].ToString());
    }

    [Fact]
    public void Quoted_option_values_may_hold_commas_spaces_and_escaped_quotes()
    {
        var key = AuthorizedKeys.ParseLine($"no-pty,from=\"10.0.0.0/8,192.168.1.*\",restrict {Ed25519Key} my key", 2048);

        Assert.Equal("10.0.0.0/8,192.168.1.*", key.Options.From?.Text);
        Assert.Equal("my key", key.Comment);
        Assert.True(key.Permits(IPAddress.Parse("192.168.1.77"), Now));

        // The space, the comma and the escaped quotes stay inside the value, so the error is about command=, and
        // names the value dequoted.
        Assert.False(AuthorizedKeys.TryParseLine($"command=\"echo \\\"a, b\\\" c\" {Ed25519Key}", 2048, out _, out string problem));
        Assert.StartsWith("command=\"echo \"a, b\" c\" is not supported", problem, StringComparison.Ordinal);
        Assert.False(AuthorizedKeys.TryParseLine($"from=\"10.*,no-pty {Ed25519Key}", 2048, out _, out problem));
        Assert.Equal("unterminated quoted option value", problem);
    }

    [Theory]
    [InlineData("192.168.1.*", "192.168.1.5", true)]
    [InlineData("192.168.1.*", "192.168.2.5", false)]
    [InlineData("10.0.0.?", "10.0.0.7", true)]
    [InlineData("10.0.0.?", "10.0.0.17", false)]
    [InlineData("*", "2001:db8::1", true)]
    [InlineData("10.0.0.0/8,!10.1.2.3", "10.9.9.9", true)]
    [InlineData("10.0.0.0/8,!10.1.2.3", "10.1.2.3", false)]
    [InlineData("!10.1.2.3,10.0.0.0/8", "10.1.2.3", false)]
    [InlineData("10.0.0.0/8,!10.1.2.3", "11.0.0.1", false)]
    [InlineData("!10.1.2.3", "10.1.2.4", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("10.0.0.*", "::ffff:10.0.0.7", true)]
    [InlineData("*,!10.0.0.?", "::ffff:10.0.0.7", false)]
    [InlineData("192.0.2.0/24,!192.0.2.128/25", "192.0.2.200", false)]
    [InlineData("192.0.2.0/24,!192.0.2.128/25", "192.0.2.100", true)]
    [InlineData("2001:db8::/32", "2001:db8:1::5", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    [InlineData("2001:DB8:0::1", "2001:db8::1", true)]
    [InlineData("2001:db8::*", "2001:db8::abcd", true)]
    [InlineData("!2001:db8::/32,*", "2001:db8::1", false)]
    [InlineData("!2001:db8::/32,*", "2001:db9::1", true)]
    public void From_matches_wildcards_negations_and_networks(string patterns, string client, bool permitted)
    {
        var key = AuthorizedKeys.ParseLine($"from=\"{patterns}\" {Ed25519Key}", 2048);

        Assert.Equal(permitted, key.Permits(IPAddress.Parse(client), Now));
    }

    [Theory]
    [InlineData("10.0.0.1/8", "CIDR")]
    [InlineData("10.0.0.0/33", "CIDR")]
    [InlineData("2001:db8::1/32", "CIDR")]
    [InlineData("*.example.com", "names a host")]
    [InlineData("!bad.example", "names a host")]
    [InlineData("10.0.0.1,", "empty entry")]
    [InlineData("", "empty entry")]
    [InlineData("!", "empty entry")]
    public void Bad_from_patterns_refuse_the_line(string patterns, string expected)
    {
        Assert.False(AuthorizedKeys.TryParseLine($"from=\"{patterns}\" {Ed25519Key}", 2048, out var key, out string problem));
        Assert.Null(key);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("20250601", false)]
    [InlineData("20250602", true)]
    [InlineData("202506011200", true)]
    [InlineData("202506011159", false)]
    [InlineData("20250601120000", true)]
    [InlineData("20250601115959", false)]
    [InlineData("20250601120001Z", true)]
    [InlineData("20240101", false)]
    [InlineData("21000101", true)]
    public void Expiry_time_is_read_as_utc(string expiry, bool permitted)
    {
        var key = AuthorizedKeys.ParseLine($"expiry-time=\"{expiry}\" {Ed25519Key}", 2048);

        Assert.Equal(permitted, key.Permits(IPAddress.Loopback, Now));
    }

    [Fact]
    public void The_earliest_expiry_time_applies_with_from()
    {
        string options = "expiry-time=\"21000101\",from=\"127.0.0.1\",expiry-time=\"20250601115959\"";
        var key = AuthorizedKeys.ParseLine($"{options} {Ed25519Key}", 2048);

        Assert.Equal(new DateTimeOffset(2025, 6, 1, 11, 59, 59, TimeSpan.Zero), key.Options.ExpiryTime);
        Assert.False(key.Permits(IPAddress.Loopback, Now));
        Assert.True(key.Permits(IPAddress.Loopback, Now.AddHours(-1)));
        Assert.False(key.Permits(IPAddress.Parse("127.0.0.2"), Now.AddHours(-1)));
    }

    [Theory]
    [InlineData("2025060")]
    [InlineData("202506011")]
    [InlineData("20251301")]
    [InlineData("2025-6-1")]
    [InlineData("20250601246000")]
    public void Bad_expiry_times_refuse_the_line(string expiry)
    {
        Assert.False(AuthorizedKeys.TryParseLine($"expiry-time=\"{expiry}\" {Ed25519Key}", 2048, out _, out string problem));
        Assert.Contains("is not YYYYMMDD[HHMM[SS]]", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("restrict")]
    [InlineData("no-port-forwarding")]
    [InlineData("no-agent-forwarding")]
    [InlineData("no-X11-forwarding")]
    [InlineData("no-pty")]
    [InlineData("no-user-rc")]
    [InlineData("no-touch-required")]
    [InlineData("RESTRICT,No-Pty")]
    public void Options_for_features_never_offered_are_accepted(string options)
    {
        var key = AuthorizedKeys.ParseLine($"{options} {Ed25519Key}", 2048);

        Assert.Null(key.Options.From);
        Assert.Null(key.Options.ExpiryTime);
    }

    [Theory]
    [InlineData("command=\"/bin/true\"", "command=\"/bin/true\" is not supported: only command=\"internal-sftp\"")]
    [InlineData("principals=\"a,,b\"", "principals=\"a,,b\" has an empty name")]
    [InlineData("principals=\"ops\"", "principals= needs cert-authority on the same line")]
    [InlineData("command=\"internal-sftp\",command=\"internal-sftp\"", "more than one command= option")]
    [InlineData("tunnel=\"0\"", "option tunnel= is not supported")]
    [InlineData("permitopen=\"host:22\"", "option permitopen= is not supported")]
    [InlineData("permitlisten=\"8080\"", "option permitlisten= is not supported")]
    [InlineData("environment=\"A=b\"", "option environment= is not supported")]
    [InlineData("restrict,port-forwarding", "option port-forwarding is not supported")]
    [InlineData("restrict,pty", "option pty is not supported")]
    [InlineData("agent-forwarding", "option agent-forwarding is not supported")]
    [InlineData("x11-forwarding", "option x11-forwarding is not supported")]
    [InlineData("user-rc", "option user-rc is not supported")]
    [InlineData("Command=\"x\"", "command=\"x\" is not supported")]
    [InlineData("cert-authority=\"x\"", "option cert-authority takes no value")]
    [InlineData("cert-authority,principals", "option principals needs a quoted value")]
    [InlineData("command", "option command needs a quoted value")]
    [InlineData("cert-authority,principals=\"a\",principals=\"b\"", "more than one principals= option")]
    [InlineData("verify-required", "unknown option verify-required")]
    [InlineData("no-pty,frobnicate", "unknown option frobnicate")]
    [InlineData("no-pty=\"yes\"", "option no-pty takes no value")]
    [InlineData("from", "option from needs a quoted value")]
    [InlineData("from=10.0.0.1", "option from= needs a double-quoted value")]
    [InlineData("no-pty,,restrict", "empty option")]
    [InlineData("from=\"10.0.0.1\"x", "expected ',' after option from")]
    [InlineData("from=\"10.0.0.1\",from=\"10.0.0.2\"", "more than one from= option")]
    public void Other_options_refuse_the_line(string options, string expected)
    {
        Assert.False(AuthorizedKeys.TryParseLine($"{options} {Ed25519Key} c", 2048, out var key, out string problem));
        Assert.Null(key);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Cert_authority_lines_name_a_ca_with_or_without_principals()
    {
        var any = AuthorizedKeys.ParseLine($"cert-authority {Ed25519Key} ca", 2048);
        var named = AuthorizedKeys.ParseLine($"cert-authority,principals=\"alice,ops@example.com\" {Ed25519Key}", 2048);
        var mixed = AuthorizedKeys.ParseLine($"Cert-Authority,from=\"10.0.0.0/8\",PRINCIPALS=\"x\",no-pty {Ed25519Key}", 2048);

        Assert.True(any.Options.CertAuthority);
        Assert.Null(any.Options.Principals);
        Assert.Equal("ca", any.Comment);
        Assert.True(named.Options.CertAuthority);
        Assert.Equal(["alice", "ops@example.com"], named.Options.Principals);
        Assert.True(mixed.Options.CertAuthority);
        Assert.Equal(["x"], mixed.Options.Principals);
        Assert.Equal("10.0.0.0/8", mixed.Options.From?.Text);
        Assert.False(AuthorizedKeys.ParseLine(Ed25519Key, 2048).Options.CertAuthority);
    }

    [Fact]
    public void Principals_without_cert_authority_refuse_the_line()
    {
        // sshd's auth_authorise_keyopts denies a line with principals= on a key that is not a CA.
        Assert.False(AuthorizedKeys.TryParseLine($"principals=\"alice\" {Ed25519Key}", 2048, out _, out string problem));
        Assert.Equal("principals= needs cert-authority on the same line", problem);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData("alice,,bob")]
    [InlineData(",alice")]
    [InlineData("alice,")]
    public void Principals_with_an_empty_name_refuse_the_line(string principals)
    {
        Assert.False(AuthorizedKeys.TryParseLine($"cert-authority,principals=\"{principals}\" {Ed25519Key}", 2048, out var key, out string problem));
        Assert.Null(key);
        Assert.Equal($"principals=\"{principals}\" has an empty name", problem);
    }

    [Theory]
    [InlineData("command=\"internal-sftp\"")]
    [InlineData("restrict,command=\"internal-sftp\"")]
    [InlineData("COMMAND=\"internal-sftp\",cert-authority")]
    public void Command_internal_sftp_restricts_the_key_to_sftp(string options)
    {
        var key = AuthorizedKeys.ParseLine($"{options} {Ed25519Key}", 2048);

        Assert.Equal(AuthorizedKeyOptions.InternalSftp, key.Options.ForceCommand);
        Assert.Null(AuthorizedKeys.ParseLine(Ed25519Key, 2048).Options.ForceCommand);
    }

    [Theory]
    [InlineData("/bin/sh")]
    [InlineData("")]
    [InlineData("INTERNAL-SFTP")]
    [InlineData("internal-sftp -R")]
    [InlineData("/usr/lib/openssh/sftp-server")]
    public void Any_other_command_refuses_the_line(string command)
    {
        // sshd would run these; this server cannot, and using the key without the restriction would be worse.
        Assert.False(AuthorizedKeys.TryParseLine($"command=\"{command}\" {Ed25519Key}", 2048, out var key, out string problem));
        Assert.Null(key);
        Assert.StartsWith($"command=\"{command}\" is not supported", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_given_twice_refuses_the_line()
    {
        Assert.False(AuthorizedKeys.TryParseLine($"command=\"internal-sftp\",command=\"internal-sftp\" {Ed25519Key}", 2048, out _, out _));
    }

    [Theory]
    [InlineData("ssh-dss")]
    [InlineData("sk-ssh-ed25519@openssh.com")]
    [InlineData("sk-ecdsa-sha2-nistp256@openssh.com")]
    [InlineData("ssh-ed25519-cert-v01@openssh.com")]
    [InlineData("ssh-rsa-cert-v01@openssh.com")]
    public void Unsupported_key_types_are_reported(string type)
    {
        Assert.False(AuthorizedKeys.TryParseLine($"{type} AAAAB3NzaC1yc2E= comment", 2048, out _, out string problem));
        Assert.Equal($"unsupported key type {type}", problem);
        Assert.False(AuthorizedKeys.TryParseLine($"no-pty {type} AAAAB3NzaC1yc2E= comment", 2048, out _, out problem));
        Assert.Equal($"unsupported key type {type}", problem);
    }

    [Fact]
    public void Stated_type_must_match_the_blob()
    {
        string base64 = Ed25519Key.Split(' ')[1];

        Assert.False(AuthorizedKeys.TryParseLine($"ssh-rsa {base64}", 2048, out _, out string problem));
        Assert.Equal("line says ssh-rsa but the key is ssh-ed25519", problem);
        Assert.False(AuthorizedKeys.TryParseLine($"ssh-ed25519 {base64[..^4]}", 2048, out _, out problem));
        Assert.NotEmpty(problem);
        Assert.False(AuthorizedKeys.TryParseLine("ssh-ed25519 AAAA*BBB", 2048, out _, out problem));
        Assert.Contains("not valid base64", problem, StringComparison.Ordinal);
        Assert.False(AuthorizedKeys.TryParseLine("ssh-ed25519", 2048, out _, out problem));
        Assert.Contains("missing", problem, StringComparison.Ordinal);
        Assert.False(AuthorizedKeys.TryParseLine("no-pty", 2048, out _, out problem));
        Assert.Equal("no key after the options", problem);
    }

    [Fact]
    public void Rsa_keys_below_the_minimum_are_reported()
    {
        using var rsa = RSA.Create(1024);
        var p = rsa.ExportParameters(false);
        string line = $"ssh-rsa {Convert.ToBase64String(Blobs.Rsa(p.Exponent!, p.Modulus!))} weak";

        Assert.False(AuthorizedKeys.TryParseLine(line, 2048, out _, out string problem));
        Assert.Equal("RSA key of 1024 bits is below the minimum of 2048 bits", problem);
        Assert.Equal("weak", AuthorizedKeys.ParseLine(line, 1024).Comment);
    }

    [Fact]
    public void Limits_on_line_length_text_size_and_key_count()
    {
        string longLine = $"{Ed25519Key} {new string('x', AuthorizedKeys.MaxLineChars)}";
        var lineResult = AuthorizedKeys.Parse($"{longLine}\n{Ed25519Line}\n", 2048);
        Assert.Single(lineResult.Keys);
        Assert.Equal("line 1: line longer than 16384 characters", Assert.Single(lineResult.Problems).ToString());

        var huge = AuthorizedKeys.Parse(new string('#', AuthorizedKeys.MaxTextChars + 1), 2048);
        Assert.Empty(huge.Keys);
        Assert.Equal(0, Assert.Single(huge.Problems).Line);

        var many = AuthorizedKeys.Parse(string.Join('\n', Enumerable.Repeat(Ed25519Key, AuthorizedKeys.MaxKeys + 2)), 2048);
        Assert.Equal(AuthorizedKeys.MaxKeys, many.Keys.Count);
        Assert.Equal(AuthorizedKeys.MaxKeys + 1, Assert.Single(many.Problems).Line);
    }

    [Fact]
    public void ParseLine_throws_with_the_reason()
    {
        Assert.Equal("no key on the line", Assert.Throws<FormatException>(() => AuthorizedKeys.ParseLine("  # comment", 2048)).Message);
        Assert.Equal("test@example", AuthorizedKeys.ParseLine($"  {Ed25519Line}\r\n", 2048).Comment);
    }

    private static string NewLine(string kind)
    {
        using var key = SshHostKey.Generate(kind);
        return PrivateKeyFile.PublicKeyLine(key.PublicKey, "test@example");
    }
}
