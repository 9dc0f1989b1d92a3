using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace MultiXfer.TestKit;

/// <summary>
/// A deliberately minimal SSH peer for hostile-input tests: it speaks only the unencrypted start of the protocol
/// (identification, KEXINIT, anything before NEWKEYS), where it can send what no real client would.
/// </summary>
public sealed class RawSshClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[512 * 1024];
    private int _buffered;

    private RawSshClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public NetworkStream Stream => _stream;

    public static async Task<RawSshClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        return new RawSshClient(tcp);
    }

    /// <summary>Reads the server's identification line (without CR LF).</summary>
    public async Task<string> ReadIdentificationAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', 0, _buffered);
            if (newline >= 0)
            {
                string line = Encoding.ASCII.GetString(_buffer, 0, newline).TrimEnd('\r');
                Consume(newline + 1);
                return line;
            }

            await FillAsync(cts.Token);
        }
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    public Task SendIdentificationAsync(string line = "SSH-2.0-RawTestClient") => SendRawAsync(Encoding.ASCII.GetBytes(line + "\r\n"));

    /// <summary>Frames a payload as an unencrypted packet (RFC 4253 §6) with correct padding.</summary>
    public static byte[] Frame(byte[] payload)
    {
        int padding = 8 - ((5 + payload.Length) % 8);
        if (padding < 4)
        {
            padding += 8;
        }

        var packet = new byte[5 + payload.Length + padding];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + payload.Length + padding));
        packet[4] = (byte)padding;
        payload.CopyTo(packet, 5);
        return packet;
    }

    public Task SendPacketAsync(byte[] payload) => SendRawAsync(Frame(payload));

    /// <summary>The next unencrypted packet's payload, or null when the server closed the connection.</summary>
    public async Task<byte[]?> ReadPacketAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (_buffered < 4)
        {
            if (!await FillAsync(cts.Token))
            {
                return null;
            }
        }

        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(_buffer);
        while (_buffered < 4 + length)
        {
            if (!await FillAsync(cts.Token))
            {
                return null;
            }
        }

        int padding = _buffer[4];
        var payload = _buffer.AsSpan(5, length - padding - 1).ToArray();
        Consume(4 + length);
        return payload;
    }

    /// <summary>
    /// Reads packets until SSH_MSG_DISCONNECT and returns its reason code and description; fails if the server closes
    /// without one or takes longer than the timeout.
    /// </summary>
    public async Task<(uint Reason, string Description)> ReadDisconnectAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var payload = await ReadPacketAsync(timeout) ?? throw new InvalidOperationException("closed without SSH_MSG_DISCONNECT");
            if (payload[0] == 1)
            {
                uint reason = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(1));
                int length = (int)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(5));
                return (reason, Encoding.UTF8.GetString(payload, 9, length));
            }
        }
    }

    /// <summary>True when the server has closed the connection (reads return end of stream) within the timeout.</summary>
    public async Task<bool> IsClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await FillAsync(cts.Token))
            {
                _buffered = 0;
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>A KEXINIT payload offering the given key exchange names (plus whatever is needed to negotiate).</summary>
    public static byte[] KexInit(string kex = "curve25519-sha256,kex-strict-c-v00@openssh.com", string hostKeys = "ssh-ed25519",
        string ciphers = "aes128-ctr", string macs = "hmac-sha2-256", bool firstKexFollows = false)
    {
        var message = new MemoryStream();
        message.WriteByte(20);
        message.Write(new byte[16]);
        foreach (string list in new[] { kex, hostKeys, ciphers, ciphers, macs, macs, "none", "none", "", "" })
        {
            WriteString(message, Encoding.ASCII.GetBytes(list));
        }

        message.WriteByte(firstKexFollows ? (byte)1 : (byte)0);
        message.Write(new byte[4]);
        return message.ToArray();
    }

    public static void WriteString(Stream stream, byte[] value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        stream.Write(length);
        stream.Write(value);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        int read = await _stream.ReadAsync(_buffer.AsMemory(_buffered), cancellationToken);
        _buffered += read;
        return read > 0;
    }

    private void Consume(int count)
    {
        Buffer.BlockCopy(_buffer, count, _buffer, 0, _buffered - count);
        _buffered -= count;
    }
}
