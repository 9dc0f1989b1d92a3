namespace MultiXfer.Scp.Tests;

/// <summary>
/// ScpSink.ParseEntry reads "C0644 123 name" / "D0755 0 name": malformed modes and sizes are protocol errors, names
/// that would leave the target directory (or are not one plain name) come back as null.
/// </summary>
public sealed class ScpEntryTests
{
    [Theory]
    [InlineData("C0644 10 a.txt", 0x1A4, 10L, "a.txt")]
    [InlineData("C0600 0 empty", 0x180, 0L, "empty")]
    [InlineData("C0755 1 x", 0x1ED, 1L, "x")]
    [InlineData("C644 1 x", 0x1A4, 1L, "x")]
    [InlineData("C7 1 x", 7, 1L, "x")]
    [InlineData("C0 1 x", 0, 1L, "x")]
    [InlineData("C4755 1 x", 0x1ED, 1L, "x")] // setuid is dropped: only the permission bits are kept
    [InlineData("C07777 1 x", 0x1FF, 1L, "x")]
    [InlineData("D0755 0 dir", 0x1ED, 0L, "dir")]
    [InlineData("D0755 123 dir", 0x1ED, 123L, "dir")]
    [InlineData("C0644 4294967297 big", 0x1A4, 4294967297L, "big")]
    [InlineData("C0644 9223372036854775807 max", 0x1A4, long.MaxValue, "max")]
    [InlineData("C0644 00010 padded", 0x1A4, 10L, "padded")]
    [InlineData("C0644 3 a b c", 0x1A4, 3L, "a b c")]
    [InlineData("C0644 3  leading space", 0x1A4, 3L, " leading space")]
    [InlineData("C0644 3 trailing ", 0x1A4, 3L, "trailing ")]
    [InlineData("C0644 3 'quoted' \"name\"", 0x1A4, 3L, "'quoted' \"name\"")]
    [InlineData("C0644 3 Grüße-日本.txt", 0x1A4, 3L, "Grüße-日本.txt")]
    [InlineData("C0644 3 ...", 0x1A4, 3L, "...")]
    [InlineData("C0644 3 .hidden", 0x1A4, 3L, ".hidden")]
    [InlineData("C0644 3 ..x", 0x1A4, 3L, "..x")]
    [InlineData("C0644 3 ;touch p", 0x1A4, 3L, ";touch p")]
    [InlineData("C0644 3 $(id)", 0x1A4, 3L, "$(id)")]
    [InlineData("C0644 3 -rf", 0x1A4, 3L, "-rf")]
    public void Parses(string line, int mode, long size, string name)
    {
        var (parsedMode, parsedSize, parsedName) = ScpSink.ParseEntry(line);
        Assert.Equal(mode, parsedMode);
        Assert.Equal(size, parsedSize);
        Assert.Equal(name, parsedName);
    }

    [Theory]
    [InlineData("C0644 10 ")]
    [InlineData("C0644 10 .")]
    [InlineData("C0644 10 ..")]
    [InlineData("C0644 10 a/b")]
    [InlineData("C0644 10 ../x")]
    [InlineData("C0644 10 ../../../../tmp/x")]
    [InlineData("C0644 10 /etc/x")]
    [InlineData("C0644 10 /")]
    [InlineData("C0644 10 x/")]
    [InlineData("C0644 10 a\u0000b")]
    [InlineData("D0755 0 ..")]
    [InlineData("D0755 0 .")]
    [InlineData("D0755 0 ../d")]
    [InlineData("D0755 0 /d")]
    [InlineData("D0755 0 ")]
    public void Unsafe_names_come_back_as_null(string line)
    {
        var (_, _, name) = ScpSink.ParseEntry(line);
        Assert.Null(name);
    }

    /// <summary>
    /// '/' is the only separator, so a backslash or a control character is part of a name that stays in the target
    /// directory (OpenSSH's scp refuses only '/', '.' and '..' as well).
    /// </summary>
    [Theory]
    [InlineData("C0644 10 a\\b", "a\\b")]
    [InlineData("C0644 10 ..\\x", "..\\x")]
    [InlineData("C0644 10 \\etc\\x", "\\etc\\x")]
    [InlineData("C0644 10 a\u0001b", "a\u0001b")]
    [InlineData("C0644 10 a\rb", "a\rb")]
    [InlineData("C0644 10 a\u007fb", "a\u007fb")]
    public void Backslashes_and_control_characters_are_part_of_a_name(string line, string expected) =>
        Assert.Equal(expected, ScpSink.ParseEntry(line).Name);

    [Fact]
    public void A_name_over_255_bytes_comes_back_as_null()
    {
        Assert.Null(ScpSink.ParseEntry("C0644 1 " + new string('a', 256)).Name);
        Assert.Null(ScpSink.ParseEntry("C0644 1 " + string.Concat(Enumerable.Repeat("é", 128))).Name); // 256 bytes
        Assert.Equal(new string('a', 255), ScpSink.ParseEntry("C0644 1 " + new string('a', 255)).Name);
    }

    [Theory]
    // Sizes: negative, signed, over long, 20 digits, 2^70, not a number, missing.
    [InlineData("C0644 -1 x")]
    [InlineData("C0644 -10 x")]
    [InlineData("C0644 +10 x")]
    [InlineData("C0644 9223372036854775808 x")]
    [InlineData("C0644 9999999999999999999 x")]
    [InlineData("C0644 12345678901234567890 x")]
    [InlineData("C0644 18446744073709551616 x")]
    [InlineData("C0644 1180591620717411303424 x")]
    [InlineData("C0644 0x10 x")]
    [InlineData("C0644 1e3 x")]
    [InlineData("C0644 10.0 x")]
    [InlineData("C0644 ١٢ x")]
    [InlineData("C0644  10 x")]
    [InlineData("C0644 10")]
    [InlineData("C0644")]
    [InlineData("C")]
    // Modes: not octal, too long, missing, signed.
    [InlineData("C0648 10 x")]
    [InlineData("C0x644 10 x")]
    [InlineData("C064444 10 x")]
    [InlineData("C-644 10 x")]
    [InlineData("C 10 x")]
    [InlineData("Crwxr-xr-x 10 x")]
    [InlineData("D07a5 0 d")]
    public void Malformed_lines_are_protocol_errors(string line)
    {
        Assert.Throws<ScpProtocolException>(() => ScpSink.ParseEntry(line));
    }

    [Theory]
    [InlineData("T1700000000 0 1600000000 0", 1700000000L, 1600000000L)]
    [InlineData("T0 0 0 0", 0L, 0L)]
    [InlineData("T1700000000 999999 1700000000 500000", 1700000000L, 1700000000L)]
    [InlineData("T253402300799 0 253402300799 0", 253402300799L, 253402300799L)]
    public void Times_parse(string line, long modified, long accessed)
    {
        var times = ScpTimes.Parse(line);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(modified), times.Modified.AddTicks(-(times.Modified.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(accessed), times.Accessed.AddTicks(-(times.Accessed.Ticks % TimeSpan.TicksPerSecond)));
    }

    [Fact]
    public void Times_keep_microseconds()
    {
        var times = ScpTimes.Parse("T1700000000 123456 1600000000 654321");
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1700000000).AddTicks(1234560), times.Modified);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1600000000).AddTicks(6543210), times.Accessed);
    }

    [Theory]
    [InlineData("T")]
    [InlineData("T1700000000 0 1700000000")]
    [InlineData("T1700000000 0 1700000000 0 0")]
    [InlineData("T-1 0 0 0")]
    [InlineData("T0 0 -1 0")]
    [InlineData("T0 1000000 0 0")]
    [InlineData("T0 0 0 1000000")]
    [InlineData("T0 -1 0 0")]
    [InlineData("T253402300800 0 0 0")]
    [InlineData("T99999999999999999999 0 0 0")]
    [InlineData("Tx 0 0 0")]
    [InlineData("T1700000000  0 1700000000 0")]
    public void Malformed_times_are_protocol_errors(string line)
    {
        Assert.Throws<ScpProtocolException>(() => ScpTimes.Parse(line));
    }

    [Fact]
    public void Times_line_round_trips()
    {
        var times = new ScpTimes(DateTime.UnixEpoch.AddSeconds(1700000000), DateTime.UnixEpoch.AddSeconds(1600000000));
        Assert.Equal("T1700000000 0 1600000000 0", times.ToLine());
        Assert.Equal(times, ScpTimes.Parse(times.ToLine()));
    }

    /// <summary>
    /// A time before 1970 must not produce a negative "T" field: OpenSSH's sink refuses it ("mtime.sec not present")
    /// and ends the whole transfer; OpenSSH's own source clamps such times to 0.
    /// </summary>
    [Fact]
    public void Times_before_the_epoch_are_sent_as_zero_not_negative()
    {
        var times = new ScpTimes(new DateTime(1960, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(1969, 12, 31, 23, 59, 0, DateTimeKind.Utc));
        string line = times.ToLine();
        Assert.DoesNotContain("-", line, StringComparison.Ordinal);
        Assert.Equal("T0 0 0 0", line);
    }
}
