using System.Text;
using MultiXfer.Ftp.Control;

namespace MultiXfer.Ftp.Tests;

public sealed class FtpCommandTests
{
    private static FtpCommand Parsed(string line)
    {
        Assert.True(FtpCommand.TryParse(Encoding.UTF8.GetBytes(line), out var command), line);
        return command;
    }

    [Theory]
    [InlineData("user alice", "USER", "alice")]
    [InlineData("Pass s3cret", "PASS", "s3cret")]
    [InlineData("NOOP", "NOOP", "")]
    [InlineData("CWD ", "CWD", "")]
    [InlineData("STOR  two  spaces  ", "STOR", " two  spaces  ")]
    [InlineData("RETR a b\tc", "RETR", "a b\tc")]
    [InlineData("MKD ünïcødé 文件", "MKD", "ünïcødé 文件")]
    [InlineData("abcdefgh x", "ABCDEFGH", "x")]
    [InlineData("xsha256 f", "XSHA256", "f")]
    public void The_verb_is_upper_cased_and_the_argument_kept_verbatim(string line, string verb, string argument)
    {
        var command = Parsed(line);
        Assert.Equal(verb, command.Verb);
        Assert.Equal(argument, command.Argument);
        Assert.Equal(argument.Length > 0, command.HasArgument);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" USER alice")]
    [InlineData("\tNOOP")]
    [InlineData("3USR alice")]
    [InlineData("1NOOP")]
    [InlineData("XSHA_256 x")]
    [InlineData("ABCDEFGHI")]
    [InlineData("SITE-CHMOD 755 x")]
    [InlineData("ÜSER x")]
    [InlineData("USER\talice")]
    public void Lines_without_a_verb_of_up_to_eight_ascii_letters_and_digits_led_by_a_letter_are_refused(string line)
    {
        Assert.False(FtpCommand.TryParse(Encoding.UTF8.GetBytes(line), out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x43, 0x57, 0x44, 0x20, 0xFF })]
    [InlineData(new byte[] { 0x43, 0x57, 0x44, 0x20, 0xC3, 0x28 })]
    [InlineData(new byte[] { 0x43, 0x57, 0x44, 0x20, 0xE2, 0x82 })]
    [InlineData(new byte[] { 0x43, 0x57, 0x44, 0x20, 0xED, 0xA0, 0x80 })] // an encoded surrogate
    [InlineData(new byte[] { 0x43, 0x57, 0x44, 0x20, 0xC0, 0xAF })] // overlong '/'
    public void Invalid_utf8_is_refused(byte[] line)
    {
        Assert.False(FtpCommand.TryParse(line, out _));
    }

    [Fact]
    public void A_nul_in_the_argument_is_kept_for_the_path_check_to_refuse()
    {
        var command = Parsed("CWD a\0b");
        Assert.Equal("a\0b", command.Argument);
    }
}
