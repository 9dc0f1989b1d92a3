using MultiXfer.Auth.Passwords;
using MultiXfer.TestKit;

namespace MultiXfer.Auth.Tests;

/// <summary>
/// Hashes made by the tools operators and other servers use, verified here so accounts keep their passwords when they
/// move: openssl passwd (MD5-crypt, apr1, SHA-crypt), mkpasswd (SHA-crypt with rounds, bcrypt), htpasswd (bcrypt,
/// apr1) and the argon2 reference CLI. Password lengths cross the 16-, 32- and 64-byte block edges the crypt
/// schemes branch on; every hash must refuse a near miss.
/// </summary>
public sealed class ImportedHashTests
{
    public static TheoryData<string> Passwords =>
    [
        "", "a", "correct horse battery staple", "pässwörd ✓ 密码", new string('x', 15), new string('y', 16), new string('z', 17),
        new string('p', 31), new string('q', 32), new string('r', 33), new string('s', 63), new string('t', 64), new string('u', 65),
        new string('v', 100),
    ];

    [Theory]
    [MemberData(nameof(Passwords))]
    public async Task Openssl_passwd_md5_crypt_apr1_and_sha_crypt_hashes_verify(string password)
    {
        // OpenSSL 3.0 prints "<NULL>" for SHA-crypt of an empty password; mkpasswd covers that case below.
        foreach (string scheme in password.Length == 0 ? new[] { "-1", "-apr1" } : ["-1", "-apr1", "-5", "-6"])
        {
            // On standard input, so the empty password is one too (an empty argument would be dropped).
            var result = await ProcessRunner.RunAsync("openssl", ["passwd", scheme, "-salt", "Na8lt.x/", "-stdin"], standardInput: password + "\n");
            Assert.True(result.ExitCode == 0, result.ToString());
            string hash = result.Output.Trim();
            AssertVerifies(hash, password, scheme == "-1" ? "md5-crypt" : scheme == "-apr1" ? "apr1-md5" : scheme == "-5" ? "sha256-crypt" : "sha512-crypt");
        }
    }

    [Theory]
    [InlineData("sha-256", "5000")]
    [InlineData("sha-512", "1000")]
    [InlineData("sha-512", "77777")]
    [InlineData("sha-256", "12345")]
    public async Task Mkpasswd_sha_crypt_with_rounds_and_long_salts_verifies(string method, string rounds)
    {
        foreach (string password in new[] { "pw", new string('k', 70), "ünïcödé" })
        {
            string hash = await ToolAsync("mkpasswd", "-m", method, "-R", rounds, "-S", "SixteenCharSalt0", password);
            Assert.Contains($"rounds={rounds}$", hash, StringComparison.Ordinal);
            AssertVerifies(hash, password, method == "sha-256" ? "sha256-crypt" : "sha512-crypt");
        }
    }

    [Theory]
    [InlineData("sha-256")]
    [InlineData("sha-512")]
    public async Task Mkpasswd_sha_crypt_of_the_empty_password_verifies(string method)
    {
        var result = await ProcessRunner.RunAsync("mkpasswd", ["-s", "-m", method, "-S", "saltsaltsalt"], standardInput: "\n");
        Assert.True(result.ExitCode == 0, result.ToString());
        AssertVerifies(result.Output.Trim(), "", method == "sha-256" ? "sha256-crypt" : "sha512-crypt");
    }

    [Theory]
    [InlineData("")]
    [InlineData("hunter2")]
    [InlineData("pässwörd ✓")]
    public async Task Htpasswd_bcrypt_and_apr1_hashes_verify(string password)
    {
        foreach (string flag in new[] { "-B", "-m" })
        {
            string line = await ToolAsync("htpasswd", "-nb", flag, "-C", "5", "user", password);
            string hash = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..];
            AssertVerifies(hash, password, flag == "-B" ? "bcrypt" : "apr1-md5");
        }
    }

    [Fact]
    public async Task Mkpasswd_bcrypt_verifies()
    {
        string hash = await ToolAsync("mkpasswd", "-m", "bcrypt", "-R", "5", "correct horse");
        Assert.StartsWith("$2b$05$", hash);
        AssertVerifies(hash, "correct horse", "bcrypt");
    }

    [Theory]
    [InlineData("12288", "3", "1")]
    [InlineData("4096", "2", "4")]
    [InlineData("65536", "1", "2")]
    public async Task The_argon2_reference_cli_s_argon2id_hashes_verify(string kib, string passes, string lanes)
    {
        var result = await ProcessRunner.RunAsync("argon2", ["saltsaltsalt16b", "-id", "-k", kib, "-t", passes, "-p", lanes, "-e"],
            standardInput: "correct horse");
        Assert.True(result.ExitCode == 0, result.ToString());
        string hash = result.Output.Trim();
        var parsed = AssertVerifies(hash, "correct horse", "argon2id");
        Assert.Equal(int.Parse(kib) < Argon2idPassword.DefaultMemoryKiB || int.Parse(passes) < Argon2idPassword.DefaultPasses, parsed.NeedsUpgrade);
    }

    [Fact]
    public void New_hashes_are_argon2id_and_need_no_upgrade_while_imported_ones_do()
    {
        Assert.True(PasswordHasher.TryParse(PasswordHasher.Hash("pw"), out var fresh, out _));
        Assert.Equal("argon2id", fresh!.Scheme);
        Assert.False(fresh.NeedsUpgrade);
        Assert.True(PasswordHasher.TryParse(PasswordHasher.HashPbkdf2("pw", 10_000), out var old, out _));
        Assert.True(old!.NeedsUpgrade);
    }

    [Theory]
    [InlineData("$6$rounds=5000001$salt$" + "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234.", "rounds=5000001 is above")]
    [InlineData("$6$salt$tooshort", "malformed")]
    [InlineData("$5$a$b$" + "012345678901234567890123456789012345678901", "malformed")]
    [InlineData("$1$saltsalty$0123456789012345678901", "malformed")]
    [InlineData("$2b$17$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzABCDE", "bcrypt cost 17 is outside")]
    [InlineData("$2b$10$abcdefghijklmnopqrstuuabcdefghijklmnop", "malformed")]
    [InlineData("$argon2id$v=19$m=524288,t=3,p=1$c2FsdHNhbHRzYWx0$0123456789abcdef0123456789abcdef0123456789a", "parameters out of range")]
    [InlineData("$argon2id$v=16$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$0123456789abcdef0123456789abcdef0123456789a", "malformed")]
    [InlineData("$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$0123456789abcdef0123456789abcdef0123456789a", "not a known hash")]
    [InlineData("$y$j9T$salt$hash", "not a known hash")]
    [InlineData("plaintext", "not a known hash")]
    public void Malformed_and_too_costly_hashes_are_refused_with_the_reason(string encoded, string expected)
    {
        Assert.False(PasswordHasher.TryParse(encoded, out var parsed, out string problem));
        Assert.Null(parsed);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    private static StoredPassword AssertVerifies(string hash, string password, string scheme)
    {
        Assert.True(PasswordHasher.TryParse(hash, out var parsed, out string problem), $"{hash}: {problem}");
        Assert.Equal(scheme, parsed!.Scheme);
        Assert.True(parsed.Verify(password), $"{hash} does not verify \"{password}\"");
        Assert.False(parsed.Verify(password + "x"), $"{hash} verifies a longer password");
        if (password.Length > 0)
        {
            Assert.False(parsed.Verify(password[..^1]), $"{hash} verifies a shorter password");
        }

        return parsed;
    }

    private static async Task<string> ToolAsync(string tool, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(tool, arguments);
        Assert.True(result.ExitCode == 0, $"{tool} {string.Join(' ', arguments)}: {result}");
        return result.Output.Trim();
    }
}
