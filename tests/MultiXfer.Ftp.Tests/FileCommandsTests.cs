using MultiXfer.Ftp.Commands;

namespace MultiXfer.Ftp.Tests;

public sealed class FileCommandsTests
{
    [Theory]
    [InlineData("20240520144205", 0)]
    [InlineData("20240520144205.123", 123)]
    [InlineData("20240520144205.5", 500)]
    [InlineData("20240520144205.05", 50)]
    [InlineData("20240520144205.1239", 123)]
    [InlineData("20240520144205.000", 0)]
    public void Times_parse_as_utc_with_an_optional_fraction(string text, int milliseconds)
    {
        Assert.True(FileCommands.TryParseTime(text, out var time));
        Assert.Equal(DateTimeKind.Utc, time.Kind);
        Assert.Equal(new DateTime(2024, 5, 20, 14, 42, 5, DateTimeKind.Utc).AddMilliseconds(milliseconds), time);
    }

    [Fact]
    public void The_extremes_of_the_calendar_parse()
    {
        Assert.True(FileCommands.TryParseTime("20240229235959", out var leap));
        Assert.Equal(new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc), leap);
        Assert.True(FileCommands.TryParseTime("19700101000000", out var epoch));
        Assert.Equal(DateTime.UnixEpoch, epoch);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2024052014420")]
    [InlineData("202405201442055")]
    [InlineData("20241320144205")]
    [InlineData("20230229000000")]
    [InlineData("20240520246000")]
    [InlineData("2024-05-20 14:42")]
    [InlineData("abcdefghijklmn")]
    [InlineData(" 20240520144205")]
    [InlineData("20240520144205Z")]
    [InlineData(".123")]
    public void Malformed_times_are_refused(string text)
    {
        Assert.False(FileCommands.TryParseTime(text, out _));
    }

    [Theory]
    [InlineData("20240520144205.")]
    [InlineData("20240520144205.abc")]
    [InlineData("20240520144205.-5")]
    [InlineData("20240520144205.1.2")]
    public void A_fraction_that_is_not_digits_is_refused(string text)
    {
        // RFC 3659 section 2.3: time-val = 14DIGIT [ "." 1*DIGIT ].
        Assert.False(FileCommands.TryParseTime(text, out _));
    }
}
