using System.Buffers.Binary;
using MultiXfer.Fuzz.Support;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// The binary packet protocol as the server reads it (RFC 4253 §6: packet_length, padding_length, payload, random
/// padding, MAC; §6.2 compression) on PacketReader, for the none cipher and, with fixed keys, for every protection
/// the server negotiates: chacha20-poly1305@openssh.com (PROTOCOL.chacha20poly1305), aes128/256-gcm@openssh.com
/// (RFC 5647 with PROTOCOL §1.6), aes-ctr (RFC 4344) with hmac-sha2 (RFC 6668) or hmac-sha1 in encrypt-and-MAC and
/// encrypt-then-MAC order, and zlib@openssh.com decompression. The harness encrypts what the input chooses, so the
/// reader's length checks, decryption, MAC/tag verification, padding checks and decompression all see fuzzed
/// plaintext rather than stopping at the MAC.
/// <para>
/// Input: byte 0 picks the protection (bits 0-2), zlib (bit 3) and how the stream hands out bytes (bits 4-5: all at
/// once, 1, 7 or 1500 bytes per read). Then records, each a kind byte: kind%4 = 0 a well-formed packet around a
/// 16-bit-length payload (kind bit 2: padding_length from the next byte; bit 3: padding grown by the next byte's
/// blocks; bit 4: payload not compressed even when zlib is on); 1 a raw plaintext frame (length field included) that
/// is sealed as given; 2 raw bytes on the wire; 3 new keys (next byte: protection; kind bit 2: reset sequence
/// numbers, as strict KEX does) taken by both sides at that point.
/// </para>
/// <para>
/// SshProtocolException (bad length, padding, MAC, compression) and EndOfStreamException (the stream ended in a
/// packet) are the reader's rejections. Oracle: as long as the input has sent only well-formed packets, every one must
/// come back with exactly its payload, and none may be refused.
/// </para>
/// </summary>
internal static class SshPacketTarget
{
    private static readonly (string Cipher, string? Mac)[] Protections =
    [
        ("none", null),
        ("chacha20-poly1305@openssh.com", null),
        ("aes128-gcm@openssh.com", null),
        ("aes256-gcm@openssh.com", null),
        ("aes128-ctr", "hmac-sha2-256"),
        ("aes256-ctr", "hmac-sha2-512-etm@openssh.com"),
        ("aes192-ctr", "hmac-sha1"),
        ("aes128-ctr", "hmac-sha2-256-etm@openssh.com"),
    ];

    private static readonly int[] ReadSizes = [int.MaxValue, 1, 7, 1500];

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private abstract record Step;

    private sealed record Read(byte[]? Expected) : Step;

    private sealed record NewKeys(int Protection, bool ResetSequence) : Step;

    public static void Run(byte[] data)
    {
        var input = new FuzzInput(data);
        byte config = input.Byte();
        bool zlib = (config & 8) != 0;
        var wire = new MemoryStream();
        var steps = new List<Step>();
        var writer = Create(config & 7);
        uint sequence = 0;
        using var compressor = zlib ? new PayloadCompressorHolder() : null;
        try
        {
            while (!input.IsEmpty && steps.Count < 256)
            {
                byte kind = input.Byte();
                switch (kind & 3)
                {
                    case 0:
                    {
                        byte[] payload = input.Chunk().ToArray();
                        int? paddingField = (kind & 4) != 0 ? input.Byte() : null;
                        int extraBlocks = (kind & 8) != 0 ? input.Byte() % 8 : 0;
                        bool raw = (kind & 16) != 0;
                        byte[] body = compressor is not null && !raw ? compressor.Compress(payload) : payload;
                        int blockSize = writer.BlockSize;
                        int padding = blockSize - (((writer.AlignmentExcludesLength ? 1 : 5) + body.Length) % blockSize);
                        padding += padding < 4 ? blockSize : 0;
                        while (extraBlocks-- > 0 && padding + blockSize <= 255)
                        {
                            padding += blockSize;
                        }

                        int packetLength = 1 + body.Length + padding;
                        var frame = new byte[4 + packetLength + writer.TagLength];
                        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)packetLength);
                        frame[4] = (byte)(paddingField ?? padding);
                        body.CopyTo(frame, 5);
                        writer.Seal(sequence++, frame.AsSpan(0, 4 + packetLength), frame.AsSpan(4 + packetLength));
                        wire.Write(frame);
                        bool valid = payload.Length > 0 && (paddingField is null || paddingField == padding) && !(raw && compressor is not null);
                        steps.Add(new Read(valid ? payload : null));
                        break;
                    }

                    case 1:
                    {
                        var plain = input.Chunk();
                        var frame = new byte[Math.Max(plain.Length, 4) + writer.TagLength];
                        plain.CopyTo(frame);
                        int length = frame.Length - writer.TagLength;
                        writer.Seal(sequence++, frame.AsSpan(0, length), frame.AsSpan(length));
                        wire.Write(frame);
                        steps.Add(new Read(null));
                        break;
                    }

                    case 2:
                        wire.Write(input.Chunk());
                        steps.Add(new Read(null));
                        break;
                    default:
                    {
                        int protection = input.Byte() & 7;
                        bool reset = (kind & 4) != 0;
                        writer.Dispose();
                        writer = Create(protection);
                        sequence = reset ? 0 : sequence;
                        compressor?.Restart();
                        steps.Add(new NewKeys(protection, reset));
                        break;
                    }
                }
            }
        }
        finally
        {
            writer.Dispose();
        }

        byte[] bytes = wire.ToArray();
        Harness.Run(async cancellationToken =>
        {
            using var reader = new PacketReader(new ScriptedStream(bytes, ReadSizes[(config >> 4) & 3]));
            reader.ChangeCipher(Create(config & 7), resetSequence: false);
            if (zlib)
            {
                reader.EnableDecompression();
            }

            bool inStep = true;
            byte[]? reading = null;
            try
            {
                foreach (var step in steps)
                {
                    switch (step)
                    {
                        case NewKeys k:
                            reader.ChangeCipher(Create(k.Protection), k.ResetSequence);
                            break;
                        case Read r:
                            reading = r.Expected;
                            var payload = await reader.ReadPayloadAsync(cancellationToken);
                            if (inStep && r.Expected is { } expected && !payload.Span.SequenceEqual(expected))
                            {
                                throw new FuzzInvariantException($"a well-formed packet came back altered ({payload.Length} bytes instead of {expected.Length})");
                            }

                            inStep &= r.Expected is not null;
                            reading = null;
                            break;
                    }
                }

                // Raw records may hold more packets than they were counted as: read on until the stream ends.
                for (int extra = 0; extra < 256; extra++)
                {
                    await reader.ReadPayloadAsync(cancellationToken);
                }
            }
            catch (Exception e) when (e is SshProtocolException or EndOfStreamException)
            {
                // The reader's rejections; refusing a packet is wrong only while every packet so far was well-formed.
                if (inStep && e is SshProtocolException && reading is not null)
                {
                    throw new FuzzInvariantException($"a well-formed packet was refused: {e.Message}");
                }
            }
        }, Deadline, "packet reader");
    }

    /// <summary>The protection with fixed keys: key, IV and MAC key bytes are a function of the protection alone.</summary>
    private static PacketCipher Create(int protection)
    {
        var (cipherName, macName) = Protections[protection];
        if (cipherName == "none")
        {
            return new NoneCipherCopy();
        }

        var cipher = SshAlgorithms.Ciphers.First(c => c.Name == cipherName);
        var mac = macName is null ? null : SshAlgorithms.Macs.First(m => m.Name == macName);
        byte[] key = Fill(cipher.KeyLength, 3), iv = Fill(cipher.IvLength, 5), macKey = Fill(mac?.KeyLength ?? 0, 11);
        return cipher.Create(key, iv, mac, macKey);

        static byte[] Fill(int length, int step) => Enumerable.Range(0, length).Select(i => (byte)(i * step + 1)).ToArray();
    }

    /// <summary>The none protection as a disposable instance (the shared NoneCipher must never be disposed).</summary>
    private sealed class NoneCipherCopy : PacketCipher
    {
        public override int BlockSize => NoneCipher.Instance.BlockSize;

        public override int TagLength => 0;

        public override bool AlignmentExcludesLength => false;

        public override void Seal(uint sequence, Span<byte> packet, Span<byte> tag)
        {
        }

        public override uint ReadLength(uint sequence, Span<byte> prefix) => NoneCipher.Instance.ReadLength(sequence, prefix);

        public override bool Open(uint sequence, Span<byte> packet, ReadOnlySpan<byte> tag) => true;
    }

    /// <summary>zlib@openssh.com as a peer sends it: one stream per key period, flushed per packet.</summary>
    private sealed class PayloadCompressorHolder : IDisposable
    {
        private PayloadCompressor _compressor = new();

        public byte[] Compress(byte[] payload) => _compressor.Compress(payload).ToArray();

        public void Restart()
        {
            _compressor.Dispose();
            _compressor = new PayloadCompressor();
        }

        public void Dispose() => _compressor.Dispose();
    }
}
