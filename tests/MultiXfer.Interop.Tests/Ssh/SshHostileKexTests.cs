using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>A server offering, besides curve25519, the NIST ECDH, fixed-group and group-exchange methods under test.</summary>
public sealed class SshHostileKexServer : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(settings =>
    {
        string[] kex = ["curve25519-sha256", "ecdh-sha2-nistp256", "diffie-hellman-group14-sha256", "diffie-hellman-group-exchange-sha256"];
        for (int i = 0; i < kex.Length; i++)
        {
            settings[$"Ssh:KexAlgorithms:{i}"] = kex[i];
        }
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The unencrypted phase from KEXINIT to NEWKEYS: messages out of order (strict KEX, OpenSSH PROTOCOL §1.10),
/// oversized or malformed KEXINIT fields, and key exchange values a server must refuse.
/// </summary>
public sealed class SshHostileKexTests(SshHostileKexServer fixture) : IClassFixture<SshHostileKexServer>
{
    /// <summary>RFC 3526 §3: the 2048-bit MODP group 14.</summary>
    private static readonly BigInteger Group14Prime = BigInteger.Parse(
        "0FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
        "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
        "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
        "15728E5A8AACAA68FFFFFFFFFFFFFFFF", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private TestServer Server => fixture.Server;

    // ---- messages before KEXINIT ----------------------------------------------------------------------------

    [Theory]
    [InlineData(5, "message 5 before the first key exchange")]
    [InlineData(50, "message 50 before the first key exchange")]
    [InlineData(80, "message 80 before the first key exchange")]
    [InlineData(90, "message 90 before the first key exchange")]
    [InlineData(94, "message 94 before the first key exchange")]
    [InlineData(192, "message 192 before the first key exchange")]
    [InlineData(21, "outside a key exchange")]
    [InlineData(30, "outside a key exchange")]
    public async Task A_first_packet_other_than_kexinit_is_a_protocol_error(byte number, string fragment) =>
        await Hostile.SendThenExpectAsync(Server, PlausibleMessage(number), Reason.ProtocolError, fragment);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Under_strict_kex_an_ignore_or_debug_before_kexinit_is_a_protocol_error(byte number)
    {
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendPacketAsync(PlausibleMessage(number));
        await client.SendPacketAsync(RawSshClient.KexInit($"curve25519-sha256,{Hostile.StrictMarker}"));
        await Hostile.ExpectDisconnectAsync(client, Reason.ProtocolError, "strict KEX violation: KEXINIT was not the first packet");
    }

    [Fact]
    public async Task Under_strict_kex_an_ignore_between_kexinit_and_the_method_message_is_a_protocol_error()
    {
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendPacketAsync(RawSshClient.KexInit($"curve25519-sha256,{Hostile.StrictMarker}"));
        await client.SendPacketAsync(PlausibleMessage(2));
        await Hostile.ExpectDisconnectAsync(client, Reason.ProtocolError, "strict KEX violation: message 2 during key exchange");
    }

    [Fact]
    public async Task Under_strict_kex_an_ignore_between_the_reply_and_newkeys_ends_the_connection()
    {
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendPacketAsync(RawSshClient.KexInit($"curve25519-sha256,{Hostile.StrictMarker}"));
        await client.SendPacketAsync(Hostile.Message(30, Hostile.ValidX25519Public));
        Assert.NotNull(await Hostile.ReadUntilAsync(client, 31, TimeSpan.FromSeconds(5)));
        Assert.NotNull(await Hostile.ReadUntilAsync(client, 21, TimeSpan.FromSeconds(5)));

        // The server's DISCONNECT now goes out under keys this peer never derived: only the close is observable.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await client.SendPacketAsync(PlausibleMessage(2));
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(3)), "IGNORE before NEWKEYS under strict KEX was tolerated");
        Assert.True(watch.Elapsed < Hostile.Prompt, $"closing took {watch.Elapsed}");
    }

    [Fact]
    public async Task Without_strict_kex_ignore_messages_around_kexinit_are_tolerated_and_the_exchange_proceeds()
    {
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendPacketAsync(PlausibleMessage(2));
        await client.SendPacketAsync(RawSshClient.KexInit("curve25519-sha256"));
        await client.SendPacketAsync(PlausibleMessage(2));
        await client.SendPacketAsync(PlausibleMessage(4));
        await client.SendPacketAsync(Hostile.Message(30, Hostile.ValidX25519Public));
        var reply = await Hostile.ReadUntilAsync(client, 31, TimeSpan.FromSeconds(5));
        Assert.True(reply is not null, "no SSH_MSG_KEX_ECDH_REPLY: the server closed the connection");
        Assert.NotNull(await Hostile.ReadUntilAsync(client, 21, TimeSpan.FromSeconds(5)));

        // Still before our NEWKEYS: IGNORE is allowed there too without strict KEX.
        await client.SendPacketAsync(PlausibleMessage(2));
        Assert.False(await client.IsClosedAsync(TimeSpan.FromSeconds(1)), "IGNORE before NEWKEYS closed a non-strict connection");
    }

    [Fact]
    public async Task Without_strict_kex_a_service_request_during_the_key_exchange_is_a_protocol_error()
    {
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendPacketAsync(RawSshClient.KexInit("curve25519-sha256"));
        await client.SendPacketAsync(PlausibleMessage(5));
        await Hostile.ExpectDisconnectAsync(client, Reason.ProtocolError, "unexpected message 5 during key exchange");
    }

    // ---- KEXINIT fields -------------------------------------------------------------------------------------

    [Fact]
    public async Task A_kex_name_list_of_20000_bytes_is_a_protocol_error()
    {
        string list = string.Join(',', Enumerable.Range(0, 2000).Select(i => $"kex{i:D5}@x"));
        Assert.True(list.Length >= 20000);
        await Hostile.SendThenExpectAsync(Server, RawSshClient.KexInit(list), Reason.ProtocolError, "kex_algorithms longer than 16384 bytes");
    }

    [Fact]
    public async Task A_kex_name_list_of_500_names_is_a_protocol_error()
    {
        string list = string.Join(',', Enumerable.Range(0, 500).Select(i => $"k{i}"));
        await Hostile.SendThenExpectAsync(Server, RawSshClient.KexInit(list), Reason.ProtocolError, "more than 128 names");
    }

    [Fact]
    public async Task A_name_longer_than_64_characters_is_a_protocol_error()
    {
        string list = "curve25519-sha256," + new string('a', 65);
        await Hostile.SendThenExpectAsync(Server, RawSshClient.KexInit(list), Reason.ProtocolError, "longer than 64 characters");
    }

    [Theory]
    [InlineData(0xFFFF_FFF0u)]
    [InlineData(0x7FFF_FFFFu)]
    [InlineData(1000u)]
    public async Task A_string_length_claim_beyond_the_message_is_a_protocol_error(uint claimed)
    {
        // The claim, then a few bytes: the message ends long before the claimed string would.
        var payload = Hostile.KexInitWithKexField(new Raw([.. Raw.UInt32(claimed).Bytes, .. "curve25519-sha256"u8]));
        await Hostile.SendThenExpectAsync(Server, payload, Reason.ProtocolError, "string length beyond the end of the message");
    }

    [Theory]
    [InlineData("kex", "no matching key exchange")]
    [InlineData("hostkey", "no matching host key")]
    [InlineData("cipher", "no matching cipher")]
    [InlineData("mac", "no matching MAC")]
    public async Task No_algorithm_in_common_is_a_key_exchange_failure(string which, string fragment)
    {
        var kexInit = which switch
        {
            "kex" => RawSshClient.KexInit($"diffie-hellman-group1-sha1,{Hostile.StrictMarker}"),
            "hostkey" => RawSshClient.KexInit(hostKeys: "ssh-dss"),
            "cipher" => RawSshClient.KexInit(ciphers: "3des-cbc"),
            _ => RawSshClient.KexInit(macs: "hmac-md5"),
        };
        await Hostile.SendThenExpectAsync(Server, kexInit, Reason.KeyExchangeFailed, fragment);
    }

    // ---- key exchange values --------------------------------------------------------------------------------

    [Theory]
    [InlineData(31, "31 bytes, not 32")]
    [InlineData(33, "33 bytes, not 32")]
    [InlineData(0, "0 bytes, not 32")]
    public async Task A_curve25519_value_of_the_wrong_length_is_a_key_exchange_failure(int length, string fragment) =>
        await Hostile.KexThenExpectAsync(Server, "curve25519-sha256", Hostile.Message(30, new byte[length]), Reason.KeyExchangeFailed, fragment);

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")]
    public async Task A_low_order_curve25519_value_is_a_key_exchange_failure(string hex) =>
        await Hostile.KexThenExpectAsync(Server, "curve25519-sha256", Hostile.Message(30, Convert.FromHexString(hex)), Reason.KeyExchangeFailed,
            "low-order");

    [Fact]
    public async Task A_nistp256_point_off_the_curve_is_a_key_exchange_failure()
    {
        var point = ValidP256Point();
        point[^1] ^= 1;
        await Hostile.KexThenExpectAsync(Server, "ecdh-sha2-nistp256", Hostile.Message(30, point), Reason.KeyExchangeFailed, "not a point on the curve");
    }

    [Fact]
    public async Task A_compressed_or_truncated_nistp256_point_is_a_key_exchange_failure()
    {
        var point = ValidP256Point();
        byte[] compressed = [(byte)(2 + (point[^1] & 1)), .. point.AsSpan(1, 32)];
        await Hostile.KexThenExpectAsync(Server, "ecdh-sha2-nistp256", Hostile.Message(30, compressed), Reason.KeyExchangeFailed,
            "not an uncompressed point");
    }

    [Fact]
    public async Task A_valid_nistp256_point_gets_the_reply()
    {
        // The control for the two tests above: the method is enabled and answers a good point.
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendPacketAsync(RawSshClient.KexInit($"ecdh-sha2-nistp256,{Hostile.StrictMarker}"));
        await client.SendPacketAsync(Hostile.Message(30, ValidP256Point()));
        Assert.NotNull(await Hostile.ReadUntilAsync(client, 31, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("p-1")]
    [InlineData("p")]
    [InlineData("p+1")]
    public async Task A_group14_value_outside_1_and_p_minus_1_is_a_key_exchange_failure(string value)
    {
        var e = value switch
        {
            "1" => BigInteger.One,
            "p-1" => Group14Prime - 1,
            "p" => Group14Prime,
            _ => Group14Prime + 1,
        };
        await Hostile.KexThenExpectAsync(Server, "diffie-hellman-group14-sha256", Hostile.Message(30, Hostile.Mpint(e)), Reason.KeyExchangeFailed,
            "out of range");
    }

    [Fact]
    public async Task A_valid_group14_value_gets_the_reply()
    {
        await using var client = await Hostile.OpenAsync(Server);
        await client.SendPacketAsync(RawSshClient.KexInit($"diffie-hellman-group14-sha256,{Hostile.StrictMarker}"));
        await client.SendPacketAsync(Hostile.Message(30, Hostile.Mpint(BigInteger.ModPow(2, 12345, Group14Prime))));
        Assert.NotNull(await Hostile.ReadUntilAsync(client, 31, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData(8192u, 4096u, 2048u, "inconsistent")]
    [InlineData(4096u, 2048u, 8192u, "inconsistent")]
    [InlineData(1024u, 1024u, 1024u, "no group between 1024 and 1024")]
    [InlineData(9000u, 10000u, 0xFFFF_FFFFu, "no group between")]
    public async Task A_bad_group_exchange_request_is_a_key_exchange_failure(uint min, uint preferred, uint max, string fragment) =>
        await Hostile.KexThenExpectAsync(Server, "diffie-hellman-group-exchange-sha256", Hostile.Message(34, min, preferred, max),
            Reason.KeyExchangeFailed, fragment);

    /// <summary>A message of the given number with fields a real peer might have sent.</summary>
    private static byte[] PlausibleMessage(byte number) => number switch
    {
        2 => Hostile.Message(2, "ignored"),
        4 => Hostile.Message(4, false, "debug text", ""),
        5 => Hostile.Message(5, "ssh-userauth"),
        21 => Hostile.Message(21),
        30 => Hostile.Message(30, Hostile.ValidX25519Public),
        50 => Hostile.Message(50, "alice", "ssh-connection", "password", false, TestServer.Passwords["alice"]),
        80 => Hostile.Message(80, "keepalive@openssh.com", true),
        90 => Hostile.Message(90, "session", 0u, 2097152u, 32768u),
        94 => Hostile.Message(94, 0u, "data"),
        192 => Hostile.Message(192, "ping"),
        _ => throw new ArgumentOutOfRangeException(nameof(number)),
    };

    private static byte[] ValidP256Point()
    {
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = key.ExportParameters(includePrivateParameters: false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }
}
