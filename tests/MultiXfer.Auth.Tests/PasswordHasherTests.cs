using System.Text.RegularExpressions;
using MultiXfer.Auth;
using MultiXfer.Auth.Passwords;

namespace MultiXfer.Auth.Tests;

public sealed partial class PasswordHasherTests
{
    private const int Fast = 10_000;

    private static Pbkdf2Password Parse(string encoded)
    {
        Assert.True(PasswordHasher.TryParse(encoded, out var parsed, out string problem), problem);
        Assert.Equal("", problem);
        return Assert.IsType<Pbkdf2Password>(parsed);
    }

    [Theory]
    [InlineData("correct horse battery staple")]
    [InlineData("")]
    [InlineData("pässwörd ✓ 密码 🔑")]
    public void A_hash_verifies_its_own_password(string password)
    {
        var parsed = Parse(PasswordHasher.HashPbkdf2(password, Fast));
        Assert.True(parsed.Verify(password));
    }

    [Fact]
    public void A_wrong_password_does_not_verify()
    {
        var parsed = Parse(PasswordHasher.HashPbkdf2("secret", Fast));
        Assert.False(parsed.Verify("Secret"));
        Assert.False(parsed.Verify("secret "));
        Assert.False(parsed.Verify(""));
    }

    [Fact]
    public void The_encoded_form_carries_iterations_salt_and_hash()
    {
        string encoded = PasswordHasher.HashPbkdf2("pw", 12_345);
        // 16-byte salt is 24 base64 characters, a 64-byte SHA-512 hash is 88.
        Assert.Matches(EncodedForm(), encoded);
        var parsed = Parse(encoded);
        Assert.Equal(12_345, parsed.Iterations);
    }

    [Fact]
    public void Two_hashes_of_one_password_differ_by_salt_and_both_verify()
    {
        string first = PasswordHasher.HashPbkdf2("same", Fast);
        string second = PasswordHasher.HashPbkdf2("same", Fast);
        Assert.NotEqual(first, second);
        var a = Parse(first);
        var b = Parse(second);
        Assert.NotEqual(first.Split('$')[3], second.Split('$')[3]);
        Assert.NotEqual(first.Split('$')[4], second.Split('$')[4]);
        Assert.True(a.Verify("same"));
        Assert.True(b.Verify("same"));
    }

    [Fact]
    public void The_iteration_count_travels_with_the_hash()
    {
        // Verifying a hash from the stored count, not the default: changing the count breaks verification.
        string encoded = PasswordHasher.HashPbkdf2("pw", Fast);
        var parsed = Parse(encoded);
        Assert.True(parsed.Verify("pw"));
        Assert.False(Parse(encoded.Replace($"i={Fast}$", $"i={Fast + 1}$", StringComparison.Ordinal)).Verify("pw"));
    }

    [Theory]
    [InlineData(9_999)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_000_001)]
    public void Iteration_counts_outside_the_bounds_are_refused(int iterations)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PasswordHasher.HashPbkdf2("pw", iterations));
    }

    [Fact]
    public void The_lowest_iteration_count_is_accepted_and_the_default_is_owasps()
    {
        Assert.Equal(10_000, Parse(PasswordHasher.HashPbkdf2("pw", 10_000)).Iterations);
        Assert.Equal(210_000, Pbkdf2Password.DefaultIterations);
    }

    [Fact]
    public void Parsing_accepts_the_iteration_bounds_and_refuses_beyond_them()
    {
        string valid = PasswordHasher.HashPbkdf2("pw", Fast);
        string tail = valid[valid.IndexOf('$', "$pbkdf2-sha512$i=".Length)..];
        Assert.Equal(10_000_000, Parse("$pbkdf2-sha512$i=10000000" + tail).Iterations);
        Assert.False(PasswordHasher.TryParse("$pbkdf2-sha512$i=10000001" + tail, out _, out string high));
        Assert.Contains("malformed", high, StringComparison.Ordinal);
        Assert.False(PasswordHasher.TryParse("$pbkdf2-sha512$i=9999" + tail, out _, out string low));
        Assert.Contains("malformed", low, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Malformed()
    {
        string salt = Convert.ToBase64String(new byte[16]);
        string hash = Convert.ToBase64String(new byte[64]);
        return new TheoryData<string, string>
        {
            { "", "not a known hash" },
            { "hunter2", "not a known hash" },
            { $"$pbkdf2-sha256$i=10000${salt}${hash}", "not a known hash" },
            { $"$PBKDF2-SHA512$i=10000${salt}${hash}", "not a known hash" },
            { $"$pbkdf2-sha512$i=ten${salt}${hash}", "malformed" },
            { $"$pbkdf2-sha512$i=${salt}${hash}", "malformed" },
            { $"$pbkdf2-sha512$i=10000${salt}", "malformed" },
            { $"$pbkdf2-sha512$i=10000${salt}${hash}$extra", "malformed" },
            { $"$pbkdf2-sha512$i=10000$not base64!${hash}", "not base64" },
            { $"$pbkdf2-sha512$i=10000${salt}$***", "not base64" },
            { $"$pbkdf2-sha512$i=10000${Convert.ToBase64String(new byte[4])}${hash}", "wrong length" },
            { $"$pbkdf2-sha512$i=10000${salt}${Convert.ToBase64String(new byte[32])}", "wrong length" },
            { $"$pbkdf2-sha512$i=10000${salt}${Convert.ToBase64String(new byte[65])}", "wrong length" },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_hashes_are_refused_with_a_reason(string encoded, string reason)
    {
        Assert.False(PasswordHasher.TryParse(encoded, out var parsed, out string problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
        Assert.Equal(default, parsed);
    }

    [Theory]
    [InlineData("a", 1024, true)]
    [InlineData("a", 1025, false)]
    [InlineData("é", 512, true)] // 2 UTF-8 bytes each: 1024 bytes
    [InlineData("é", 513, false)] // 1026 bytes from only 513 characters
    [InlineData("€", 341, true)] // 3 bytes each: 1023
    [InlineData("€", 342, false)] // 1026
    [InlineData("🔑", 256, true)] // 4 bytes each (a surrogate pair): 1024
    [InlineData("🔑", 257, false)]
    [InlineData("", 0, true)]
    public void Password_length_is_limited_in_utf8_bytes(string unit, int count, bool acceptable)
    {
        string password = string.Concat(Enumerable.Repeat(unit, count));
        Assert.Equal(acceptable, PasswordHasher.IsAcceptableLength(password));
    }

    [Fact]
    public void The_limit_is_counted_in_bytes_not_characters()
    {
        string oneByteTooMany = new string('a', 1023) + "é";
        Assert.Equal(1024, oneByteTooMany.Length);
        Assert.False(PasswordHasher.IsAcceptableLength(oneByteTooMany));
        Assert.Equal(1024, PasswordHasher.MaxPasswordBytes);
    }

    [GeneratedRegex(@"^\$pbkdf2-sha512\$i=12345\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{86}==$")]
    private static partial Regex EncodedForm();
}
