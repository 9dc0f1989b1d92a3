using System.Numerics;
using System.Security.Cryptography;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Algorithms.KeyExchange;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace MultiXfer.Ssh.Tests.Algorithms;

/// <summary>
/// Each key exchange method against a client computed independently in the test (BouncyCastle X25519, .NET ECDH,
/// BigInteger Diffie-Hellman): both must reach the same K, the test's own H must match the server's, and the
/// server's signature over H must verify with its host key.
/// </summary>
public class KeyExchangeMethodTests
{
    private static readonly byte[] ClientVersion = "SSH-2.0-Test"u8.ToArray();
    private static readonly byte[] ServerVersion = "SSH-2.0-MultiXfer"u8.ToArray();
    private static readonly byte[] ClientKexInit = [20, 1, 2, 3];
    private static readonly byte[] ServerKexInit = [20, 4, 5, 6];

    [Theory]
    [InlineData("curve25519-sha256")]
    [InlineData("curve25519-sha256@libssh.org")]
    public async Task Curve25519_agrees_with_an_independent_client(string name)
    {
        var clientPrivate = RandomNumberGenerator.GetBytes(32);
        var clientPublic = new byte[32];
        X25519.ScalarMultBase(clientPrivate, 0, clientPublic, 0);
        var (reply, outcome, hostKey) = await RunAsync(name, Message(30, w => w.WriteString(clientPublic)));

        var reader = Reply(reply, 31, hostKey);
        var serverPublic = reader.ReadString().ToArray();
        var shared = new byte[32];
        X25519.ScalarMult(clientPrivate, 0, serverPublic, 0, shared, 0);
        byte[] secret = Mpint(shared);
        VerifyHash(HashAlgorithmName.SHA256, hostKey, [.. Str(clientPublic), .. Str(serverPublic)], secret, outcome, reader.ReadString());
    }

    /// <summary>
    /// The hybrids against a client built from BouncyCastle's own key generation and decapsulation (and .NET's
    /// ML-KEM where the platform has it): the client recovers the server's KEM secret from the ciphertext and both
    /// reach K = HASH(KEM secret || X25519 secret) as a string.
    /// </summary>
    [Theory]
    [InlineData("mlkem768x25519-sha256", "SHA256")]
    [InlineData("sntrup761x25519-sha512", "SHA512")]
    [InlineData("sntrup761x25519-sha512@openssh.com", "SHA512")]
    public async Task Hybrid_agrees_with_an_independent_client(string name, string hash)
    {
        var client = HybridClient.Create(name);
        var x25519Private = RandomNumberGenerator.GetBytes(32);
        var x25519Public = new byte[32];
        X25519.ScalarMultBase(x25519Private, 0, x25519Public, 0);
        byte[] clientInit = [.. client.PublicKey, .. x25519Public];
        var (reply, outcome, hostKey) = await RunAsync(name, Message(30, w => w.WriteString(clientInit)));

        var reader = Reply(reply, 31, hostKey);
        var serverReply = reader.ReadString().ToArray();
        Assert.Equal(client.CiphertextSize + 32, serverReply.Length);
        byte[] kemSecret = client.Decapsulate(serverReply[..client.CiphertextSize]);
        var classical = new byte[32];
        X25519.ScalarMult(x25519Private, 0, serverReply, client.CiphertextSize, classical, 0);
        byte[] combined = [.. kemSecret, .. classical];
        byte[] secret = Str(hash == "SHA256" ? SHA256.HashData(combined) : SHA512.HashData(combined));
        VerifyHash(new HashAlgorithmName(hash), hostKey, [.. Str(clientInit), .. Str(serverReply)], secret, outcome, reader.ReadString());
    }

    /// <summary>
    /// Client values of the wrong length, an X25519 half that forces an all-zero secret, and (ML-KEM) a key whose
    /// coefficients are not reduced mod q (FIPS 203 §7.2) all end the exchange with KEY_EXCHANGE_FAILED.
    /// </summary>
    [Theory]
    [InlineData("mlkem768x25519-sha256", "short")]
    [InlineData("mlkem768x25519-sha256", "long")]
    [InlineData("mlkem768x25519-sha256", "zero-x25519")]
    [InlineData("mlkem768x25519-sha256", "unreduced")]
    [InlineData("mlkem768x25519-sha256", "empty")]
    [InlineData("sntrup761x25519-sha512", "short")]
    [InlineData("sntrup761x25519-sha512", "long")]
    [InlineData("sntrup761x25519-sha512", "zero-x25519")]
    [InlineData("sntrup761x25519-sha512@openssh.com", "x25519-only")]
    public async Task Hybrid_refuses_malformed_client_values(string name, string defect)
    {
        var client = HybridClient.Create(name);
        var x25519Public = new byte[32];
        X25519.ScalarMultBase(RandomNumberGenerator.GetBytes(32), 0, x25519Public, 0);
        byte[] valid = [.. client.PublicKey, .. x25519Public];
        byte[] clientInit = defect switch
        {
            "short" => valid[..^1],
            "long" => [.. valid, 0],
            "zero-x25519" => [.. client.PublicKey, .. new byte[32]], // u = 0 has order 1: X25519 gives all zeros
            "unreduced" => Unreduced(valid),
            "empty" => [],
            _ => x25519Public,
        };
        var method = SshAlgorithms.KeyExchanges.Single(k => k.Name == name);
        var conversation = new ScriptedConversation();
        conversation.Incoming.Enqueue(Message(30, w => w.WriteString(clientInit)));
        using var hostKey = SshHostKey.Generate("ed25519");

        var exception = await Assert.ThrowsAsync<SshProtocolException>(() => method.RunAsync(conversation, Inputs(hostKey), CancellationToken.None));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, exception.Reason);
        Assert.Empty(conversation.Sent);
    }

    [Fact]
    public void Defaults_are_OpenSSH_10s_post_quantum_and_X25519_set_without_finite_field_groups()
    {
        Assert.Equal(["mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "curve25519-sha256",
            "curve25519-sha256@libssh.org"], SshAlgorithms.DefaultKeyExchanges);
        Assert.All(SshAlgorithms.DefaultKeyExchanges, name => Assert.Contains(SshAlgorithms.KeyExchanges, k => k.Name == name));
        Assert.Contains(SshAlgorithms.KeyExchanges, k => k.Name == "diffie-hellman-group16-sha512");
    }

    /// <summary>The first coefficient of the ML-KEM key set to 4095 (12 bits, above q = 3329).</summary>
    private static byte[] Unreduced(byte[] clientInit)
    {
        byte[] copy = [.. clientInit];
        copy[0] = 0xFF;
        copy[1] |= 0x0F;
        return copy;
    }

    [Theory]
    [InlineData("ecdh-sha2-nistp256", "nistP256", "SHA256")]
    [InlineData("ecdh-sha2-nistp384", "nistP384", "SHA384")]
    [InlineData("ecdh-sha2-nistp521", "nistP521", "SHA512")]
    public async Task Ecdh_agrees_with_an_independent_client(string name, string curveName, string hash)
    {
        using var client = ECDiffieHellman.Create(ECCurve.CreateFromFriendlyName(curveName));
        var q = client.ExportParameters(false).Q;
        byte[] clientPoint = [4, .. q.X!, .. q.Y!];
        var (reply, outcome, hostKey) = await RunAsync(name, Message(30, w => w.WriteString(clientPoint)));

        var reader = Reply(reply, 31, hostKey);
        var serverPoint = reader.ReadString().ToArray();
        int half = (serverPoint.Length - 1) / 2;
        using var server = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.CreateFromFriendlyName(curveName),
            Q = new ECPoint { X = serverPoint[1..(1 + half)], Y = serverPoint[(1 + half)..] },
        });
        byte[] secret = Mpint(client.DeriveRawSecretAgreement(server.PublicKey));
        VerifyHash(new HashAlgorithmName(hash), hostKey, [.. Str(clientPoint), .. Str(serverPoint)], secret, outcome, reader.ReadString());
    }

    [Theory]
    [InlineData("diffie-hellman-group14-sha256", 14, "SHA256")]
    [InlineData("diffie-hellman-group16-sha512", 16, "SHA512")]
    [InlineData("diffie-hellman-group18-sha512", 18, "SHA512")]
    public async Task Fixed_group_dh_agrees_with_an_independent_client(string name, int groupNumber, string hash)
    {
        var group = groupNumber switch { 14 => DhGroup.Group14, 16 => DhGroup.Group16, _ => DhGroup.Group18 };
        var x = new BigInteger(RandomNumberGenerator.GetBytes(64), isUnsigned: true);
        var e = BigInteger.ModPow(2, x, group.Prime);
        var (reply, outcome, hostKey) = await RunAsync(name, Message(30, w => w.WriteMpint(e)));

        var reader = Reply(reply, 31, hostKey);
        var f = new BigInteger(reader.ReadPositiveMpint(2048, "f"), isUnsigned: true, isBigEndian: true);
        byte[] secret = MpintOf(BigInteger.ModPow(f, x, group.Prime));
        VerifyHash(new HashAlgorithmName(hash), hostKey, [.. MpintOf(e), .. MpintOf(f)], secret, outcome, reader.ReadString());
    }

    [Theory]
    [InlineData(2048, 2048, 8192, 3072)]
    [InlineData(2048, 8192, 8192, 8192)]
    [InlineData(1024, 2048, 2048, 2048)]
    [InlineData(3072, 4000, 6144, 4096)]
    public async Task Group_exchange_picks_a_group_and_agrees(uint min, uint preferred, uint max, int expectedBits)
    {
        var method = SshAlgorithms.KeyExchanges.Single(k => k.Name == "diffie-hellman-group-exchange-sha256");
        var conversation = new ScriptedConversation();
        conversation.Incoming.Enqueue(Message(34, w =>
        {
            w.WriteUInt32(min);
            w.WriteUInt32(preferred);
            w.WriteUInt32(max);
        }));
        using var hostKey = SshHostKey.Generate("ed25519");
        var x = new BigInteger(RandomNumberGenerator.GetBytes(64), isUnsigned: true);
        BigInteger? e = null, p = null;
        conversation.OnSend = packet =>
        {
            if (packet[0] == 31)
            {
                var reader = new SshReader(packet.AsSpan(1));
                p = new BigInteger(reader.ReadPositiveMpint(2048, "p"), isUnsigned: true, isBigEndian: true);
                e = BigInteger.ModPow(2, x, p.Value);
                conversation.Incoming.Enqueue(Message(32, w => w.WriteMpint(e.Value)));
            }
        };
        var outcome = await method.RunAsync(conversation, Inputs(hostKey), CancellationToken.None);
        Assert.Equal(expectedBits, (int)p!.Value.GetBitLength());

        var replyReader = Reply(conversation.Sent[^1], 33, hostKey);
        var f = new BigInteger(replyReader.ReadPositiveMpint(2048, "f"), isUnsigned: true, isBigEndian: true);
        byte[] secret = MpintOf(BigInteger.ModPow(f, x, p.Value));
        using var fields = new SshWriter();
        fields.WriteUInt32(min);
        fields.WriteUInt32(preferred);
        fields.WriteUInt32(max);
        fields.WriteMpint(p.Value);
        fields.WriteMpint(2);
        fields.WriteMpint(e!.Value);
        fields.WriteMpint(f);
        VerifyHash(HashAlgorithmName.SHA256, hostKey, fields.ToArray(), secret, outcome, replyReader.ReadString());
    }

    [Fact]
    public async Task Group_exchange_refuses_ranges_below_2048_bits()
    {
        var method = SshAlgorithms.KeyExchanges.Single(k => k.Name == "diffie-hellman-group-exchange-sha256");
        var conversation = new ScriptedConversation();
        conversation.Incoming.Enqueue(Message(34, w =>
        {
            w.WriteUInt32(1024);
            w.WriteUInt32(1024);
            w.WriteUInt32(1536);
        }));
        using var hostKey = SshHostKey.Generate("ed25519");
        var exception = await Assert.ThrowsAsync<SshProtocolException>(() => method.RunAsync(conversation, Inputs(hostKey), CancellationToken.None));
        Assert.Equal(DisconnectReason.KeyExchangeFailed, exception.Reason);
    }

    private static async Task<(byte[] Reply, KexOutcome Outcome, SshHostKey HostKey)> RunAsync(string name, byte[] clientMessage)
    {
        var method = SshAlgorithms.KeyExchanges.Single(k => k.Name == name);
        var conversation = new ScriptedConversation();
        conversation.Incoming.Enqueue(clientMessage);
        var hostKey = SshHostKey.Generate("ed25519");
        var outcome = await method.RunAsync(conversation, Inputs(hostKey), CancellationToken.None);
        return (Assert.Single(conversation.Sent), outcome, hostKey);
    }

    private static KexInputs Inputs(SshHostKey hostKey) =>
        new(ClientVersion, ServerVersion, ClientKexInit, ServerKexInit, hostKey, hostKey.PublicKey.Blob, "ssh-ed25519");

    private static SshReader Reply(byte[] reply, byte number, SshHostKey hostKey)
    {
        var reader = new SshReader(reply);
        Assert.Equal(number, reader.ReadByte());
        Assert.Equal(hostKey.PublicKey.Blob, reader.ReadString().ToArray());
        return reader;
    }

    /// <summary>The test's own H over the same transcript must equal the server's, and the signature must verify.</summary>
    private static void VerifyHash(HashAlgorithmName hash, SshHostKey hostKey, byte[] methodFields, byte[] secret, KexOutcome outcome,
        ReadOnlySpan<byte> signature)
    {
        Assert.Equal(secret, outcome.EncodedSecret);
        byte[] transcript = [.. Str(ClientVersion), .. Str(ServerVersion), .. Str(ClientKexInit), .. Str(ServerKexInit),
            .. Str(hostKey.PublicKey.Blob), .. methodFields, .. secret];
        byte[] h = hash.Name switch
        {
            "SHA256" => SHA256.HashData(transcript),
            "SHA384" => SHA384.HashData(transcript),
            _ => SHA512.HashData(transcript),
        };
        Assert.Equal(h, outcome.ExchangeHash);
        Assert.True(hostKey.PublicKey.Verify(h, signature, new HashSet<string> { "ssh-ed25519" }));
    }

    private static byte[] Message(byte number, Action<SshWriter> body)
    {
        using var writer = new SshWriter();
        writer.WriteByte(number);
        body(writer);
        return writer.ToArray();
    }

    private static byte[] Str(byte[] value)
    {
        using var writer = new SshWriter();
        writer.WriteString(value);
        return writer.ToArray();
    }

    private static byte[] Mpint(byte[] unsignedBigEndian)
    {
        using var writer = new SshWriter();
        writer.WriteMpint(unsignedBigEndian);
        return writer.ToArray();
    }

    private static byte[] MpintOf(BigInteger value)
    {
        using var writer = new SshWriter();
        writer.WriteMpint(value);
        return writer.ToArray();
    }

    private sealed class ScriptedConversation : IKexConversation
    {
        public Queue<byte[]> Incoming { get; } = new();

        public List<byte[]> Sent { get; } = [];

        public Action<byte[]>? OnSend { get; set; }

        public ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<ReadOnlyMemory<byte>>(Incoming.Dequeue());

        public void Send(OutgoingPacket packet)
        {
            byte[] payload = packet.Payload.ToArray();
            packet.Release();
            Sent.Add(payload);
            OnSend?.Invoke(payload);
        }
    }
}
