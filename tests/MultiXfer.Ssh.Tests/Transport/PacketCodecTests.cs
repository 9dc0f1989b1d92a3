using System.Security.Cryptography;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Transport;

/// <summary>
/// The binary packet protocol end to end: what PacketWriter frames and protects, PacketReader must return
/// unchanged however the bytes arrive, for every cipher and MAC, and must refuse when any byte was altered.
/// </summary>
public class PacketCodecTests
{
    public static TheoryData<string, string?> Protections()
    {
        var data = new TheoryData<string, string?>();
        foreach (var cipher in SshAlgorithms.Ciphers)
        {
            if (cipher.IsAead)
            {
                data.Add(cipher.Name, null);
                continue;
            }

            foreach (var mac in SshAlgorithms.Macs)
            {
                data.Add(cipher.Name, mac.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Protections))]
    public async Task Packets_survive_any_split_of_the_byte_stream(string cipherName, string? macName)
    {
        var payloads = Payloads(seed: cipherName.Length * 31 + (macName?.Length ?? 0));
        byte[] wire = await EncodeAsync(cipherName, macName, payloads, compress: false);

        // Every split point of the first packets, then a stream that hands out one byte per read.
        for (int split = 0; split < Math.Min(wire.Length, 400); split++)
        {
            Assert.Equal(payloads, await DecodeAsync(cipherName, macName, new ChunkedStream(wire, split, int.MaxValue), payloads.Count, false));
        }

        Assert.Equal(payloads, await DecodeAsync(cipherName, macName, new ChunkedStream(wire, 1, 1), payloads.Count, false));
        Assert.Equal(payloads, await DecodeAsync(cipherName, macName, new ChunkedStream(wire, wire.Length / 2, 7), payloads.Count, false));
    }

    [Theory]
    [MemberData(nameof(Protections))]
    public async Task Any_altered_byte_is_refused(string cipherName, string? macName)
    {
        var payloads = Payloads(seed: 5);
        byte[] wire = await EncodeAsync(cipherName, macName, payloads, compress: false);
        int newKeysLength = UnprotectedNewKeysLength();
        var random = new Random(11);
        for (int i = 0; i < 40; i++)
        {
            byte[] altered = (byte[])wire.Clone();
            int position = newKeysLength + random.Next(wire.Length - newKeysLength);
            altered[position] ^= (byte)(1 << random.Next(8));
            var exception = await Assert.ThrowsAnyAsync<Exception>(() =>
                DecodeAsync(cipherName, macName, new ChunkedStream(altered, altered.Length, int.MaxValue), payloads.Count, false));
            // An altered length may also be caught as malformed or as a truncated stream, never accepted.
            Assert.True(exception is SshProtocolException or EndOfStreamException, exception.ToString());
        }
    }

    [Fact]
    public async Task Compressed_payloads_round_trip_through_one_zlib_stream()
    {
        var payloads = Payloads(seed: 3);
        byte[] wire = await EncodeAsync("aes128-gcm@openssh.com", null, payloads, compress: true);
        Assert.Equal(payloads, await DecodeAsync("aes128-gcm@openssh.com", null, new ChunkedStream(wire, 13, 977), payloads.Count, true));
    }

    private static List<byte[]> Payloads(int seed)
    {
        var random = new Random(seed);
        var payloads = new List<byte[]>();
        foreach (int length in new[] { 1, 2, 15, 16, 17, 100, 1000, 32768 + 9, 3, 4095 })
        {
            var payload = new byte[length];
            random.NextBytes(payload);
            payload[0] = 94;
            payloads.Add(payload);
        }

        return payloads;
    }

    private static (byte[] Key, byte[] Iv, byte[] MacKey) Keys(string cipherName, string? macName)
    {
        var cipher = SshAlgorithms.Ciphers.Single(c => c.Name == cipherName);
        var mac = macName is null ? null : SshAlgorithms.Macs.Single(m => m.Name == macName);
        var random = new Random(cipherName.GetHashCode(StringComparison.Ordinal));
        byte[] key = new byte[cipher.KeyLength], iv = new byte[cipher.IvLength], macKey = new byte[mac?.KeyLength ?? 0];
        random.NextBytes(key);
        random.NextBytes(iv);
        random.NextBytes(macKey);
        return (key, iv, macKey);
    }

    private static PacketCipher Create(string cipherName, string? macName)
    {
        var (key, iv, macKey) = Keys(cipherName, macName);
        var mac = macName is null ? null : SshAlgorithms.Macs.Single(m => m.Name == macName);
        return SshAlgorithms.Ciphers.Single(c => c.Name == cipherName).Create(key, iv, mac, macKey);
    }

    private static int UnprotectedNewKeysLength() => 16;

    private static async Task<byte[]> EncodeAsync(string cipherName, string? macName, List<byte[]> payloads, bool compress)
    {
        var output = new MemoryStream();
        using var writer = new PacketWriter(output);
        writer.PostKeyChange(OutgoingPacket.Copy([MessageNumbers.NewKeys]), Create(cipherName, macName), resetSequence: true, followUp: null);
        foreach (var (payload, index) in payloads.Select((p, i) => (p, i)))
        {
            if (compress && index == 0)
            {
                writer.PostThenCompress(OutgoingPacket.Copy(payload));
            }
            else
            {
                writer.Post(OutgoingPacket.Copy(payload));
            }
        }

        writer.Complete();
        await writer.RunAsync(CancellationToken.None);
        return output.ToArray();
    }

    private static async Task<List<byte[]>> DecodeAsync(string cipherName, string? macName, Stream input, int count, bool compress)
    {
        using var reader = new PacketReader(input);
        var newKeys = await reader.ReadPayloadAsync(CancellationToken.None);
        Assert.Equal(MessageNumbers.NewKeys, newKeys.Span[0]);
        reader.ChangeCipher(Create(cipherName, macName), resetSequence: true);
        var payloads = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            payloads.Add((await reader.ReadPayloadAsync(CancellationToken.None)).ToArray());
            if (compress && i == 0)
            {
                reader.EnableDecompression();
            }
        }

        return payloads;
    }

    /// <summary>Hands out the first <c>first</c> bytes in one read, then at most <c>chunk</c> bytes per read.</summary>
    private sealed class ChunkedStream(byte[] data, int first, int chunk) : Stream
    {
        private int _position;
        private bool _firstDone;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int limit = _firstDone ? chunk : Math.Max(first, 1);
            _firstDone = true;
            int n = Math.Min(Math.Min(buffer.Length, limit), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
