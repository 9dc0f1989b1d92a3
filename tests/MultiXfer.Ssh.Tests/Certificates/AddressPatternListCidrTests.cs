using System.Net;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.Tests.Certificates;

/// <summary>
/// A certificate's source-address (PROTOCOL.certkeys), read by <see cref="AddressPatternList.ParseCidrList"/> as
/// OpenSSH's addr_match_cidr_list reads it: addresses and CIDR networks, nothing else.
/// </summary>
public sealed class AddressPatternListCidrTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.0.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("127.0.0.1/32,10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("127.0.0.1/32,10.0.0.0/8", "192.0.2.1", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("::1", "::1", true)]
    [InlineData("::1", "::2", false)]
    [InlineData("::/0", "10.0.0.1", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("127.0.0.1", "::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.0/8", "::ffff:11.1.2.3", false)]
    [InlineData("10.0.0.0/8", "fe80::1%2", false)]
    [InlineData("fe80::/10", "fe80::1%2", true)]
    public void Matches_addresses_and_networks(string list, string client, bool matches)
    {
        Assert.Equal(matches, AddressPatternList.ParseCidrList(list).Matches(IPAddress.Parse(client)));
    }

    [Theory]
    [InlineData("!10.0.0.0/8")]
    [InlineData("10.0.0.0/8,!10.1.0.0/16")]
    [InlineData("*")]
    [InlineData("10.0.0.*")]
    [InlineData("10.0.0.?")]
    [InlineData("10.0.0.1/8")]
    [InlineData("2001:db8::1/32")]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("host.example.com")]
    [InlineData("")]
    [InlineData("10.0.0.0/8,")]
    [InlineData(",10.0.0.0/8")]
    public void Refuses_anything_but_addresses_and_networks(string list)
    {
        var error = Assert.Throws<FormatException>(() => AddressPatternList.ParseCidrList(list));

        Assert.StartsWith("source-address entry ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keeps_the_text_for_logs()
    {
        Assert.Equal("127.0.0.1/32,10.0.0.0/8", AddressPatternList.ParseCidrList("127.0.0.1/32,10.0.0.0/8").ToString());
    }
}
