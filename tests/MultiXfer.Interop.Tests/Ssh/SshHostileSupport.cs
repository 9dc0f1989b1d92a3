using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>One in-process server shared by the tests of a class; every test uses connections of its own.</summary>
public sealed class SshHostileServer : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>SSH_MSG_DISCONNECT reason codes (RFC 4250 §4.2.2) the hostile-input tests expect.</summary>
internal static class Reason
{
    public const uint ProtocolError = 2;
    public const uint KeyExchangeFailed = 3;
}

/// <summary>
/// Helpers for the hostile-input tests: a raw peer past the identification exchange, payload builders for the
/// unencrypted phase, and the expectation every test ends with (the right DISCONNECT, promptly, then a close).
/// </summary>
internal static class Hostile
{
    /// <summary>How long the server may take to answer bad input with DISCONNECT.</summary>
    public static readonly TimeSpan Prompt = TimeSpan.FromSeconds(2);

    /// <summary>RFC 7748 §6.1: Alice's X25519 public key, a valid point of large order.</summary>
    public static readonly byte[] ValidX25519Public = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");

    public const string StrictMarker = "kex-strict-c-v00@openssh.com";

    /// <summary>Connects, checks the server's identification and sends ours: the next bytes are binary packets.</summary>
    public static async Task<RawSshClient> OpenAsync(TestServer server)
    {
        var client = await RawSshClient.ConnectAsync(server.SshPort);
        client.Stream.Socket.NoDelay = true;
        Assert.Equal("SSH-2.0-MultiXfer", await client.ReadIdentificationAsync());
        await client.SendIdentificationAsync("SSH-2.0-HostileTest");
        return client;
    }

    /// <summary>
    /// The server answers with SSH_MSG_DISCONNECT carrying <paramref name="reason"/> and a description containing
    /// <paramref name="fragment"/> within <see cref="Prompt"/>, then closes the connection.
    /// </summary>
    public static async Task ExpectDisconnectAsync(RawSshClient client, uint reason, string fragment)
    {
        var watch = Stopwatch.StartNew();
        var (actual, description) = await client.ReadDisconnectAsync(Prompt + TimeSpan.FromSeconds(3));
        var elapsed = watch.Elapsed;
        Assert.True(actual == reason && description.Contains(fragment, StringComparison.OrdinalIgnoreCase),
            $"expected DISCONNECT {reason} containing '{fragment}', got {actual} '{description}'");
        Assert.True(elapsed < Prompt, $"DISCONNECT took {elapsed.TotalMilliseconds:F0} ms");
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(2)), "the server kept the connection open after DISCONNECT");
    }

    /// <summary>Sends one payload framed normally, then expects the disconnect.</summary>
    public static async Task SendThenExpectAsync(TestServer server, byte[] payload, uint reason, string fragment)
    {
        await using var client = await OpenAsync(server);
        await client.SendPacketAsync(payload);
        await ExpectDisconnectAsync(client, reason, fragment);
    }

    /// <summary>A strict KEXINIT for <paramref name="kex"/>, then the method's first message, then the expectation.</summary>
    public static async Task KexThenExpectAsync(TestServer server, string kex, byte[] methodMessage, uint reason, string fragment)
    {
        await using var client = await OpenAsync(server);
        await client.SendPacketAsync(RawSshClient.KexInit($"{kex},{StrictMarker}"));
        await client.SendPacketAsync(methodMessage);
        await ExpectDisconnectAsync(client, reason, fragment);
    }

    /// <summary>Reads packets until one with <paramref name="number"/> arrives (null: the server closed first).</summary>
    public static async Task<byte[]?> ReadUntilAsync(RawSshClient client, byte number, TimeSpan timeout)
    {
        while (true)
        {
            var payload = await client.ReadPacketAsync(timeout);
            if (payload is null || payload[0] == number)
            {
                return payload;
            }

            Assert.True(payload[0] is 20 or 2 or 4 or 7, $"unexpected message {payload[0]} while waiting for {number}");
        }
    }

    /// <summary>A message built from a number and fields: uint, bool, string (ASCII), byte[] (as string) or raw bytes.</summary>
    public static byte[] Message(byte number, params object[] fields)
    {
        var stream = new MemoryStream();
        stream.WriteByte(number);
        foreach (object field in fields)
        {
            switch (field)
            {
                case uint value:
                    WriteUInt32(stream, value);
                    break;
                case int value:
                    WriteUInt32(stream, (uint)value);
                    break;
                case bool value:
                    stream.WriteByte(value ? (byte)1 : (byte)0);
                    break;
                case string text:
                    RawSshClient.WriteString(stream, Encoding.ASCII.GetBytes(text));
                    break;
                case byte[] bytes:
                    RawSshClient.WriteString(stream, bytes);
                    break;
                case Raw raw:
                    stream.Write(raw.Bytes);
                    break;
                default:
                    throw new ArgumentException($"unsupported field {field}");
            }
        }

        return stream.ToArray();
    }

    /// <summary>A KEXINIT whose kex_algorithms field is the given raw bytes (length-prefixed as given).</summary>
    public static byte[] KexInitWithKexField(Raw kexField)
    {
        var normal = RawSshClient.KexInit(kex: "x");
        // The normal message: number, 16-byte cookie, then string "x" (5 bytes): replace that string.
        var message = new MemoryStream();
        message.Write(normal, 0, 17);
        message.Write(kexField.Bytes);
        message.Write(normal, 17 + 5, normal.Length - 17 - 5);
        return message.ToArray();
    }

    /// <summary>An unencrypted packet with the given packet_length and padding_length and whatever bytes follow.</summary>
    public static byte[] RawPacket(uint packetLength, byte paddingLength, int bodyBytes)
    {
        var packet = new byte[4 + 1 + bodyBytes];
        BinaryPrimitives.WriteUInt32BigEndian(packet, packetLength);
        packet[4] = paddingLength;
        if (bodyBytes > 0)
        {
            packet[5] = 2; // SSH_MSG_IGNORE, should the payload ever be taken for a message
        }

        return packet;
    }

    public static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    /// <summary>An mpint (RFC 4251 §5) for a non-negative value.</summary>
    public static byte[] Mpint(System.Numerics.BigInteger value) => value.IsZero ? [] : value.ToByteArray(isUnsigned: false, isBigEndian: true);

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Bytes written into a message as they are, without a length prefix.</summary>
internal sealed record Raw(byte[] Bytes)
{
    public static Raw UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new Raw(bytes);
    }
}

/// <summary>What ssh_hostile.py reported: one entry per output line, keyed by its first word.</summary>
internal sealed class ParamikoReport(ProcessResult result)
{
    public ProcessResult Result { get; } = result;

    public IReadOnlyList<string> Lines { get; } = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string? First(string key) =>
        Lines.FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal) || l == key) is { } line ? line[key.Length..].Trim() : null;

    public IEnumerable<string> All(string key) => Lines.Where(l => l.StartsWith(key + " ", StringComparison.Ordinal)).Select(l => l[key.Length..].Trim());

    public override string ToString() => Result.ToString();

    /// <summary>The server closed the transport promptly with DISCONNECT <paramref name="reason"/> naming <paramref name="fragment"/>.</summary>
    public void AssertDisconnected(uint reason, string fragment)
    {
        Assert.True(Result.ExitCode == 0, ToString());
        string? closed = First("CLOSED");
        Assert.True(closed is not null, "the server did not close the connection\n" + this);
        double seconds = double.Parse(closed, CultureInfo.InvariantCulture);
        Assert.True(seconds < Hostile.Prompt.TotalSeconds, $"closing took {seconds} s\n{this}");
        string? disconnect = First("DISCONNECT");
        Assert.True(disconnect is not null, "closed without SSH_MSG_DISCONNECT\n" + this);
        string expected = reason.ToString(CultureInfo.InvariantCulture) + " ";
        Assert.True(disconnect.StartsWith(expected, StringComparison.Ordinal) && disconnect.Contains(fragment, StringComparison.OrdinalIgnoreCase),
            $"expected DISCONNECT {reason} containing '{fragment}', got '{disconnect}'\n{this}");
    }
}

internal static class HostileParamiko
{
    public static async Task<ParamikoReport> RunAsync(TestServer server, string hostileCase, string user = "alice")
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Clients", "ssh_hostile.py");
        var result = await ProcessRunner.RunAsync(ClientTools.Python,
            [script, Hostile.Invariant(server.SshPort), user, TestServer.Passwords[user], hostileCase], TimeSpan.FromSeconds(60));
        return new ParamikoReport(result);
    }
}
