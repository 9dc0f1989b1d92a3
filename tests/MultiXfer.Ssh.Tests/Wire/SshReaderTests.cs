using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Wire;

public class SshReaderTests
{
    [Fact]
    public void Reads_the_RFC_4251_types()
    {
        using var writer = new SshWriter();
        writer.WriteByte(7);
        writer.WriteBoolean(true);
        writer.WriteUInt32(0xDEADBEEF);
        writer.WriteUInt64(0x0102030405060708);
        writer.WriteString("héllo");
        writer.WriteNameList(["a", "b-c@example.com"]);
        writer.WriteMpint([0x80, 0x01]);

        var reader = new SshReader(writer.Written);
        Assert.Equal(7, reader.ReadByte());
        Assert.True(reader.ReadBoolean());
        Assert.Equal(0xDEADBEEF, reader.ReadUInt32());
        Assert.Equal(0x0102030405060708UL, reader.ReadUInt64());
        Assert.Equal("héllo", reader.ReadUtf8(100, "text"));
        Assert.Equal(["a", "b-c@example.com"], reader.ReadNameList("list"));
        Assert.Equal(new byte[] { 0x80, 0x01 }, reader.ReadPositiveMpint(16, "mpint").ToArray());
        Assert.True(reader.IsAtEnd);
    }

    [Theory]
    [InlineData(new byte[] { 0x80 }, new byte[] { 0, 0, 0, 2, 0x00, 0x80 })]
    [InlineData(new byte[] { 0x00, 0x00, 0x7f }, new byte[] { 0, 0, 0, 1, 0x7f })]
    [InlineData(new byte[] { 0x00 }, new byte[] { 0, 0, 0, 0 })]
    public void Mpints_are_minimal_with_a_sign_byte_where_needed(byte[] magnitude, byte[] expected)
    {
        // RFC 4251 §5: "unnecessary leading bytes with the value 0 or 255 MUST NOT be included".
        using var writer = new SshWriter();
        writer.WriteMpint(magnitude);
        Assert.Equal(expected, writer.Written.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 2, 0x00, 0x7f })]
    [InlineData(new byte[] { 0, 0, 0, 1, 0x80 })]
    [InlineData(new byte[] { 0, 0, 0, 0 })]
    public void Non_minimal_negative_or_zero_mpints_are_refused(byte[] encoded)
    {
        var exception = Assert.Throws<SshProtocolException>(() => new SshReader(encoded).ReadPositiveMpint(64, "e"));
        Assert.Equal(DisconnectReason.ProtocolError, exception.Reason);
    }

    [Fact]
    public void A_claimed_length_beyond_the_message_is_refused_before_anything_is_sliced()
    {
        byte[] message = [0xFF, 0xFF, 0xFF, 0xF0, 1, 2, 3];
        var exception = Assert.Throws<SshProtocolException>(() => new SshReader(message).ReadString());
        Assert.Contains("beyond the end", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_integers_are_refused()
    {
        Assert.Throws<SshProtocolException>(() => new SshReader([0, 1, 2]).ReadUInt32());
        Assert.Throws<SshProtocolException>(() => new SshReader([0, 1, 2, 3, 4, 5, 6]).ReadUInt64());
        Assert.Throws<SshProtocolException>(() => new SshReader([]).ReadByte());
    }

    [Theory]
    [InlineData("a,,b")]
    [InlineData(",a")]
    [InlineData("a,")]
    [InlineData("a b")]
    [InlineData("a,\u0001")]
    public void Malformed_name_lists_are_refused(string list)
    {
        using var writer = new SshWriter();
        writer.WriteString(list);
        Assert.Throws<SshProtocolException>(() => new SshReader(writer.Written).ReadNameList("list"));
    }

    [Fact]
    public void Name_lists_are_limited_in_bytes_and_in_names()
    {
        using var longList = new SshWriter();
        longList.WriteString(new string('a', WireLimits.MaxNameListBytes + 1));
        Assert.Contains("longer than", Assert.Throws<SshProtocolException>(() => new SshReader(longList.Written).ReadNameList("kex")).Message,
            StringComparison.Ordinal);

        using var manyNames = new SshWriter();
        manyNames.WriteNameList(Enumerable.Range(0, WireLimits.MaxNames + 1).Select(i => $"n{i}"));
        Assert.Contains("more than", Assert.Throws<SshProtocolException>(() => new SshReader(manyNames.Written).ReadNameList("kex")).Message,
            StringComparison.Ordinal);

        using var empty = new SshWriter();
        empty.WriteString("");
        Assert.Empty(new SshReader(empty.Written).ReadNameList("languages"));
    }

    [Fact]
    public void Invalid_utf8_is_a_protocol_error_not_a_replacement_character()
    {
        using var writer = new SshWriter();
        writer.WriteString([0x61, 0xC3, 0x28]);
        Assert.Throws<SshProtocolException>(() => new SshReader(writer.Written).ReadUtf8(100, "user name"));
    }

    [Fact]
    public void Strings_over_their_own_limit_are_refused()
    {
        using var writer = new SshWriter();
        writer.WriteString(new string('x', 300));
        Assert.Throws<SshProtocolException>(() => new SshReader(writer.Written).ReadAscii(WireLimits.MaxShortString, "user"));
    }
}
