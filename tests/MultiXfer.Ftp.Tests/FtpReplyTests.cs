using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;

namespace MultiXfer.Ftp.Tests;

public sealed class FtpReplyTests
{
    [Fact]
    public void A_reply_is_code_space_text_crlf()
    {
        Assert.Equal("200 Command okay.\r\n", new FtpReply(200, "Command okay.").Format());
        Assert.Equal("226 \r\n", new FtpReply(226, "").Format());
    }

    [Theory]
    [InlineData("a\r\nb", "550 a  b\r\n")]
    [InlineData("evil\r\n230 Logged in", "550 evil  230 Logged in\r\n")]
    [InlineData("x\ny\rz", "550 x y z\r\n")]
    public void Line_breaks_inside_the_text_become_spaces(string text, string expected)
    {
        Assert.Equal(expected, new FtpReply(550, text).Format());
    }

    [Fact]
    public void A_multiline_reply_indents_its_body()
    {
        string reply = FtpReply.FormatMultiline(211, "Features:", ["UTF8", "211 not the end", "MLST type*;"], "End");
        Assert.Equal("211-Features:\r\n UTF8\r\n 211 not the end\r\n MLST type*;\r\n211 End\r\n", reply);
    }

    [Fact]
    public void A_multiline_reply_cleans_every_part()
    {
        string reply = FtpReply.FormatMultiline(213, "a\nb", ["c\r\n213 d"], "e\rf");
        Assert.Equal("213-a b\r\n c  213 d\r\n213 e f\r\n", reply);
        Assert.Equal(3, reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void An_empty_multiline_body_still_has_first_and_last_lines()
    {
        Assert.Equal("211-Status\r\n211 End\r\n", FtpReply.FormatMultiline(211, "Status", [], "End"));
    }

    [Theory]
    [InlineData("/home/a", "\"/home/a\"")]
    [InlineData("/say \"hi\"", "\"/say \"\"hi\"\"\"")]
    [InlineData("\"", "\"\"\"\"")]
    [InlineData("", "\"\"")]
    public void Quote_doubles_embedded_quotes(string path, string expected)
    {
        Assert.Equal(expected, FtpReply.Quote(path));
    }

    [Fact]
    public void Every_storage_error_maps_to_a_transient_or_permanent_failure()
    {
        foreach (var kind in Enum.GetValues<FsErrorKind>())
        {
            var reply = FsErrorReplies.For(kind);
            Assert.InRange(reply.Code, 400, 599);
            Assert.False(string.IsNullOrWhiteSpace(reply.Text), kind.ToString());
        }
    }

    [Theory]
    [InlineData(FsErrorKind.NotFound, 550)]
    [InlineData(FsErrorKind.PermissionDenied, 550)]
    [InlineData(FsErrorKind.NoSpace, 552)]
    [InlineData(FsErrorKind.QuotaExceeded, 552)]
    [InlineData(FsErrorKind.InvalidName, 553)]
    [InlineData(FsErrorKind.LockConflict, 450)]
    [InlineData(FsErrorKind.IoError, 451)]
    public void Storage_errors_get_their_rfc_codes(FsErrorKind kind, int code)
    {
        Assert.Equal(code, FsErrorReplies.For(kind).Code);
    }

    [Fact]
    public void Missing_and_forbidden_paths_answer_alike()
    {
        Assert.Equal(FsErrorReplies.For(FsErrorKind.NotFound).Code, FsErrorReplies.For(FsErrorKind.PermissionDenied).Code);
    }
}
