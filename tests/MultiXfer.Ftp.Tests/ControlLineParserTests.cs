using System.Text;
using MultiXfer.Ftp.Control;

namespace MultiXfer.Ftp.Tests;

/// <summary>Lines are shown as Latin-1 strings, one char per byte, so 0x00 and 0xFF stay visible.</summary>
public sealed class ControlLineParserTests
{
    private const byte Iac = 255, Ip = 244, Dm = 242, Will = 251, Wont = 252, Do = 253, Dont = 254, Sb = 250, Se = 240;
    private const string TooLong = "<too long>";

    private static byte[] B(string latin1) => Encoding.Latin1.GetBytes(latin1);

    private static byte[] Cat(params object[] parts) =>
        parts.SelectMany(p => p switch { string s => B(s), byte b => [b], byte[] a => a, _ => throw new ArgumentException(null, nameof(parts)) })
            .ToArray();

    /// <summary>Feeds each chunk completely, collecting lines and too-long reports in order.</summary>
    private static List<string> Feed(ControlLineParser parser, params byte[][] chunks)
    {
        var events = new List<string>();
        foreach (byte[] chunk in chunks)
        {
            int offset = 0;
            while (true)
            {
                var status = parser.Feed(chunk.AsSpan(offset), out int consumed);
                Assert.InRange(consumed, 0, chunk.Length - offset);
                offset += consumed;
                if (status == LineStatus.NeedMore)
                {
                    Assert.Equal(chunk.Length, offset);
                    break;
                }

                events.Add(status == LineStatus.Line ? parser.TakeLine(line => Encoding.Latin1.GetString(line)) : TooLong);
            }
        }

        return events;
    }

    private static List<string> Parse(params byte[][] chunks) => Feed(new ControlLineParser(), chunks);

    private static readonly byte[] Session = Cat(
        "USER alice\r\n", "PASS s3", Iac, Iac, "cret\r\n", "CWD /a b\n", Iac, Will, (byte)1, "NOOP\r\n", "\r\n",
        Iac, Ip, Iac, Dm, "ABOR\r\n", Iac, Sb, (byte)24, (byte)'\n', Iac, Iac, Iac, Se, "STAT\r\nQUIT\r\n");

    private static readonly string[] SessionLines =
        ["USER alice", "PASS s3\u00ffcret", "CWD /a b", "NOOP", "", "ABOR", "STAT", "QUIT"];

    [Fact]
    public void A_whole_session_parses_into_its_commands()
    {
        Assert.Equal(SessionLines, Parse(Session));
    }

    [Fact]
    public void Splitting_the_input_anywhere_into_two_chunks_changes_nothing()
    {
        for (int i = 0; i <= Session.Length; i++)
        {
            Assert.Equal(SessionLines, Parse(Session[..i], Session[i..]));
        }
    }

    [Fact]
    public void Splitting_the_input_anywhere_into_three_chunks_changes_nothing()
    {
        for (int i = 0; i <= Session.Length; i++)
        {
            for (int j = i; j <= Session.Length; j++)
            {
                Assert.Equal(SessionLines, Parse(Session[..i], Session[i..j], Session[j..]));
            }
        }
    }

    [Fact]
    public void Byte_by_byte_input_changes_nothing()
    {
        Assert.Equal(SessionLines, Parse(Session.Select(b => new[] { b }).ToArray()));
    }

    [Fact]
    public void Crlf_and_bare_lf_both_end_a_line_and_a_lone_cr_is_kept()
    {
        Assert.Equal(["NOOP", "NOOP", "A\rB", "X\r"], Parse(B("NOOP\r\nNOOP\nA\rB\r\nX\r\r\n")));
    }

    [Fact]
    public void Nothing_is_reported_until_the_line_ends()
    {
        var parser = new ControlLineParser();
        Assert.Empty(Feed(parser, B("NO")));
        Assert.Equal(["NOOP"], Feed(parser, B("OP\r\n")));
        Assert.Empty(Feed(parser, new[] { Iac }));
        Assert.Equal(["QUIT"], Feed(parser, [0xF4, .. B("QUIT\r\n")])); // the IAC IP split across reads
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void A_line_of_exactly_the_limit_is_accepted(string end)
    {
        string line = new('A', ControlLineParser.MaxLineLength);
        Assert.Equal([line, "NOOP"], Parse(B(line + end + "NOOP\r\n")));
    }

    [Fact]
    public void A_line_one_byte_over_the_limit_is_reported_once_and_skipped()
    {
        string line = new('A', ControlLineParser.MaxLineLength + 1);
        Assert.Equal([TooLong, "NOOP"], Parse(B(line + "\r\nNOOP\r\n")));
        Assert.Equal([TooLong, "NOOP"], Parse(B(line + new string('B', 20_000) + "\nNOOP\n")));
    }

    [Fact]
    public void An_overlong_line_split_anywhere_is_still_reported_once()
    {
        byte[] input = B(new string('A', ControlLineParser.MaxLineLength + 100) + "\r\nNOOP\r\n");
        for (int i = 0; i <= input.Length; i += 97)
        {
            Assert.Equal([TooLong, "NOOP"], Parse(input[..i], input[i..]));
        }
    }

    [Fact]
    public void A_megabyte_without_newline_is_reported_once_and_then_discarded_without_buffering()
    {
        var parser = new ControlLineParser();
        byte[] chunk = new byte[64 * 1024];
        chunk.AsSpan().Fill((byte)'x');

        Assert.Equal(LineStatus.TooLong, parser.Feed(chunk, out int consumed));
        Assert.Equal(ControlLineParser.MaxLineLength + 1, consumed);
        Assert.Equal(LineStatus.NeedMore, parser.Feed(chunk.AsSpan(consumed), out int rest));
        Assert.Equal(chunk.Length - consumed, rest);

        int needMore = 0;
        long total = 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i < 16; i++)
        {
            needMore += parser.Feed(chunk, out consumed) == LineStatus.NeedMore ? 1 : 0;
            total += consumed;
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.Equal(15, needMore);
        Assert.Equal(15L * chunk.Length, total);
        Assert.True(allocated < 16 * 1024, $"discarding 960 KiB allocated {allocated} bytes");
        Assert.Equal(["NOOP"], Feed(parser, B("\r\nNOOP\r\n")));
    }

    [Fact]
    public void Interrupt_and_data_mark_before_abor_are_removed()
    {
        Assert.Equal(["ABOR"], Parse(Cat(Iac, Ip, Iac, Dm, "ABOR\r\n")));
        Assert.Equal(["ABOR"], Parse(Cat(Iac, Ip), Cat(Iac), Cat(Dm, "AB"), B("OR\r\n")));
    }

    [Fact]
    public void Iac_iac_is_one_literal_ff_byte()
    {
        Assert.Equal(["RETR \u00ff\u00ff.txt"], Parse(Cat("RETR ", Iac, Iac, Iac, Iac, ".txt\r\n")));
    }

    [Theory]
    [InlineData(Will)]
    [InlineData(Wont)]
    [InlineData(Do)]
    [InlineData(Dont)]
    public void Option_negotiation_is_removed_with_its_option_byte(byte verb)
    {
        // The option byte is swallowed even when it looks like data or a newline.
        Assert.Equal(["NOOP"], Parse(Cat("NO", Iac, verb, (byte)'\n', "OP\r\n")));
        Assert.Equal(["NOOP"], Parse(Cat(Iac, verb, (byte)3, "NOOP\r\n")));
    }

    [Fact]
    public void Subnegotiation_is_removed_up_to_iac_se()
    {
        byte[] input = Cat("NO", Iac, Sb, (byte)31, (byte)0, (byte)80, (byte)'\r', (byte)'\n', Iac, Iac, Se, Iac, Se, "OP\r\n");
        Assert.Equal(["NOOP"], Parse(input));
        for (int i = 0; i <= input.Length; i++)
        {
            Assert.Equal(["NOOP"], Parse(input[..i], input[i..]));
        }
    }

    [Fact]
    public void Thousands_of_nul_iac_pairs_neither_crash_nor_lose_the_line()
    {
        // 00 FF 00 FF ... 00 FF "NOOP": the first NUL is data; every FF starts a Telnet command whose command byte
        // is the following byte, so each later NUL is swallowed, and the last FF swallows the 'N'. What remains is
        // one short line, "\0OOP": no too-long report for over 8,000 bytes of input, and the next line parses.
        byte[] input = Cat(Enumerable.Repeat(new byte[] { 0x00, Iac }, 4069).SelectMany(p => p).ToArray(), "NOOP\r\nQUIT\r\n");
        Assert.Equal(["\0OOP", "QUIT"], Parse(input));
    }
}
