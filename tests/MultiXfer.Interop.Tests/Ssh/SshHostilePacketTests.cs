using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// Bad binary packet framing (RFC 4253 §6) before any keys exist: each one ends the connection at once with
/// SSH_MSG_DISCONNECT reason PROTOCOL_ERROR.
/// </summary>
public sealed class SshHostilePacketTests(SshHostileServer fixture) : IClassFixture<SshHostileServer>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData(0u, "below the minimum")]
    [InlineData(5u, "below the minimum")]
    [InlineData(13u, "not a multiple")]
    [InlineData(8001u, "not a multiple")]
    public async Task Packet_length_zero_below_minimum_or_unaligned_is_a_protocol_error(uint packetLength, string fragment)
    {
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendRawAsync(Hostile.RawPacket(packetLength, 4, 16));
        await Hostile.ExpectDisconnectAsync(client, Reason.ProtocolError, fragment);
    }

    [Fact]
    public async Task Padding_longer_than_the_packet_is_a_protocol_error()
    {
        await using var client = await Hostile.OpenAsync(Server);
        // packet_length 12: padding_length byte 200, then 11 bytes.
        await client.SendRawAsync(Hostile.RawPacket(12, 200, 11));
        await Hostile.ExpectDisconnectAsync(client, Reason.ProtocolError, "padding length 200");
    }

    [Fact]
    public async Task Padding_that_leaves_no_payload_is_a_protocol_error()
    {
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendRawAsync(Hostile.RawPacket(12, 11, 11));
        await Hostile.ExpectDisconnectAsync(client, Reason.ProtocolError, "padding length 11");
    }

    [Fact]
    public async Task Padding_below_four_bytes_is_a_protocol_error()
    {
        await using var client = await Hostile.OpenAsync(Server);
        // A well-aligned 16-byte packet whose padding_length claims 3 (RFC 4253 §6: at least 4).
        await client.SendRawAsync(Hostile.RawPacket(12, 3, 11));
        await Hostile.ExpectDisconnectAsync(client, Reason.ProtocolError, "padding length 3");
    }

    [Fact]
    public async Task A_correctly_framed_ignore_message_before_kexinit_is_accepted()
    {
        // The control for the framing tests: the same 16 bytes with 4 bytes of padding are a valid packet.
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendRawAsync(Hostile.RawPacket(12, 4, 11));
        Assert.False(await client.IsClosedAsync(TimeSpan.FromMilliseconds(500)), "a valid IGNORE packet closed the connection");
    }
}
