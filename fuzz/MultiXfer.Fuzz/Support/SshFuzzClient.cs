using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using MultiXfer.Connections;
using MultiXfer.Ssh;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Algorithms.KeyExchange;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Transport;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Fuzz.Support;

/// <summary>The algorithms the harness's client asks for; two input bytes choose them.</summary>
internal sealed record ClientAlgorithms(string Kex, string HostKey, string Cipher, string? Mac, string Compression)
{
    private static readonly string[] KexNames =
        ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"];

    private static readonly string[] HostKeyNames = ["ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256"];

    public static ClientAlgorithms Default { get; } = new("curve25519-sha256", "ssh-ed25519", "aes128-gcm@openssh.com", null, "none");

    /// <summary>b0: kex (bits 0-2), host key (3-4), zlib@openssh.com (5); b1: cipher (bits 0-2), MAC (3-5).</summary>
    public static ClientAlgorithms From(byte b0, byte b1, bool allowCompression)
    {
        var cipher = SshAlgorithms.Ciphers[(b1 & 7) % SshAlgorithms.Ciphers.Count];
        var mac = cipher.IsAead ? null : SshAlgorithms.Macs[((b1 >> 3) & 7) % SshAlgorithms.Macs.Count].Name;
        return new ClientAlgorithms(KexNames[(b0 & 7) % KexNames.Length], HostKeyNames[(b0 >> 3) & 3], cipher.Name, mac,
            allowCompression && (b0 & 0x20) != 0 ? SshAlgorithms.DelayedZlib : SshAlgorithms.NoCompression);
    }
}

/// <summary>
/// An SSH client inside the harness process that talks to a real <see cref="SshSession"/> over in-memory pipes: it
/// runs real key exchanges (RFC 4253 §7-8, curve25519 RFC 8731 or ECDH RFC 5656) with the project's own X25519,
/// key derivation (§7.2) and packet ciphers, so what the input says after NEWKEYS reaches the server encrypted and
/// authenticated exactly as from a real client. It frames with zero padding (deterministic) and never waits for the
/// server unless a key exchange needs its reply.
/// </summary>
internal sealed class SshFuzzClient : IAsyncDisposable
{
    public const string Identification = "SSH-2.0-MultiXferFuzz_1.0";

    /// <summary>How long the client waits for a server packet it needs before giving up on the step (not a hang).</summary>
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(2);

    private readonly Pipe _toServer = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly Pipe _toClient = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly ClientPacketReader _in;
    private readonly ConnectionContext _connection;
    private readonly SshSession _session;
    private Task? _running;
    private PacketCipher? _incomingAfterNewKeys;
    private PacketCipher _sendCipher = NoneCipher.Instance;
    private uint _sendSequence;
    private PayloadCompressor? _compressor;
    private bool _serverCompressesAfterAuth;
    private bool _serverIdentificationRead;
    private string? _compression;
    private readonly MemoryStream _pending = new();
    private bool _closed;
    private bool _strictKex;

    public SshFuzzClient(TripwireLoggerFactory logs)
    {
        _in = new ClientPacketReader(_toClient.Reader.AsStream());
        _connection = FuzzUsers.Connection(new RelayStream(_toServer.Reader.AsStream(), _toClient.Writer.AsStream()), "ssh");
        _session = new SshSession(SshFixture.CreateServer(logs, new MemoryFiles()), SshFixture.Policy, SshFixture.HostKeys, _connection);
    }

    /// <summary>The server's session (started by the first flush); it ends when the client closes its side or the server gives up.</summary>
    public Task Session => _running ?? Task.CompletedTask;

    public byte[] SessionId { get; private set; } = [];

    public byte[] HostKeyBlob { get; private set; } = [];

    /// <summary>False once the server has closed the connection or a step could not complete.</summary>
    public bool Alive => !_closed && !(_running?.IsCompleted ?? false);

    /// <summary>Our identification line (RFC 4253 §4.2), sent with what follows it at the next flush.</summary>
    public Task SendIdentificationAsync(CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        _pending.Write(System.Text.Encoding.ASCII.GetBytes(Identification + "\r\n"));
        return Task.CompletedTask;
    }

    /// <summary>Bytes on the wire exactly as given (identification lines, garbage), at the next flush.</summary>
    public Task WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        _pending.Write(bytes.Span);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Puts everything queued since the last flush on the wire in one write (with the end of the stream when
    /// <paramref name="end"/>), and starts the session the first time. The server thus always finds whole batches:
    /// whether its reads complete at once or wait, and where they split the bytes, does not depend on timing, which
    /// matters because the reading code is instrumented (async state machines branch on it).
    /// </summary>
    public async Task FlushAsync(bool end, CancellationToken cancellationToken)
    {
        if (!_closed && _pending.Length > 0)
        {
            _toServer.Writer.Write(_pending.GetBuffer().AsSpan(0, (int)_pending.Length));
        }

        _pending.SetLength(0);
        if (end)
        {
            _closed = true;
            await _toServer.Writer.CompleteAsync();
        }
        else if (!_closed)
        {
            await _toServer.Writer.FlushAsync(cancellationToken);
        }

        _running ??= Task.Run(async () =>
        {
            try
            {
                await _session.RunAsync();
            }
            finally
            {
                await _toClient.Writer.CompleteAsync();
                await _toServer.Reader.CompleteAsync();
            }
        }, CancellationToken.None);
    }

    /// <summary>One payload framed (RFC 4253 §6), compressed and protected as negotiated; sent at the next flush.</summary>
    public Task SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        if (payload.IsEmpty || _closed)
        {
            return Task.CompletedTask;
        }

        var body = _compressor is null ? payload : _compressor.Compress(payload.Span).ToArray();
        int blockSize = _sendCipher.BlockSize;
        int aligned = (_sendCipher.AlignmentExcludesLength ? 1 : 5) + body.Length;
        int padding = blockSize - (aligned % blockSize);
        if (padding < 4)
        {
            padding += blockSize;
        }

        int packetLength = 1 + body.Length + padding;
        var frame = new byte[4 + packetLength + _sendCipher.TagLength];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)packetLength);
        frame[4] = (byte)padding;
        body.Span.CopyTo(frame.AsSpan(5));
        _sendCipher.Seal(_sendSequence++, frame.AsSpan(0, 4 + packetLength), frame.AsSpan(4 + packetLength));
        _pending.Write(frame);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A whole key exchange from the client's side: KEXINIT, the method's init message, the server's reply, NEWKEYS both
    /// ways, then the new keys in both directions. The first one also offers strict KEX and ext-info. False when the
    /// server did not play along (it disconnected or waits for something else): the caller then stops sending.
    /// </summary>
    public async Task<bool> KeyExchangeAsync(ClientAlgorithms algorithms, CancellationToken cancellationToken)
    {
        bool first = SessionId.Length == 0;
        using var kexInit = new SshWriter(512);
        kexInit.WriteByte(MessageNumbers.KexInit);
        kexInit.WriteBytes(new byte[16]);
        kexInit.WriteNameList(first ? [algorithms.Kex, SshAlgorithms.ExtInfoClient, SshAlgorithms.StrictKexClient] : [algorithms.Kex]);
        kexInit.WriteNameList([algorithms.HostKey]);
        kexInit.WriteNameList([algorithms.Cipher]);
        kexInit.WriteNameList([algorithms.Cipher]);
        kexInit.WriteNameList(algorithms.Mac is null ? ["hmac-sha2-256"] : [algorithms.Mac]);
        kexInit.WriteNameList(algorithms.Mac is null ? ["hmac-sha2-256"] : [algorithms.Mac]);
        kexInit.WriteNameList([algorithms.Compression]);
        kexInit.WriteNameList([algorithms.Compression]);
        kexInit.WriteNameList([]);
        kexInit.WriteNameList([]);
        kexInit.WriteBoolean(false);
        kexInit.WriteUInt32(0);
        byte[] clientKexInit = kexInit.ToArray();
        await SendAsync(clientKexInit, cancellationToken);

        using var agreement = ClientAgreement.Create(algorithms.Kex);
        using (var init = SshWriter.ForPayload(MessageNumbers.KexEcdhInit, 256))
        {
            init.WriteString(agreement.PublicValue);
            await SendAsync(init.Written.ToArray(), cancellationToken);
        }

        await FlushAsync(end: false, cancellationToken);

        if (!_serverIdentificationRead)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ReplyTimeout);
            try
            {
                await _in.ReadLineAsync(timeout.Token);
                _serverIdentificationRead = true;
            }
            catch (Exception e) when (e is EndOfStreamException or OperationCanceledException or InvalidDataException)
            {
                return Give();
            }
        }

        var serverKexInit = await ExpectAsync(MessageNumbers.KexInit, cancellationToken);
        var reply = serverKexInit is null ? null : await ExpectAsync(MessageNumbers.KexEcdhReply, cancellationToken);
        if (serverKexInit is null || reply is null)
        {
            return Give();
        }

        var reader = new SshReader(reply.AsSpan(1));
        byte[] hostKey = reader.ReadString().ToArray();
        byte[] serverValue = reader.ReadString().ToArray();
        byte[]? secret = agreement.Agree(serverValue);
        if (secret is null)
        {
            return Give();
        }

        using var hashed = new SshWriter(4096);
        hashed.WriteString(System.Text.Encoding.ASCII.GetBytes(Identification));
        hashed.WriteString(SshTransport.ServerIdentification);
        hashed.WriteString(clientKexInit);
        hashed.WriteString(serverKexInit);
        hashed.WriteString(hostKey);
        hashed.WriteString(agreement.PublicValue);
        hashed.WriteString(serverValue);
        hashed.WriteBytes(secret);
        var hash = SshAlgorithms.KeyExchanges.First(k => k.Name == algorithms.Kex).Hash;
        byte[] exchangeHash = CryptographicOperations.HashData(hash, hashed.Written);
        if (first)
        {
            SessionId = exchangeHash;
            HostKeyBlob = hostKey;
            _compression = algorithms.Compression;
        }

        var outcome = new KexOutcome(secret, exchangeHash);
        var cipher = SshAlgorithms.Ciphers.First(c => c.Name == algorithms.Cipher);
        var mac = algorithms.Mac is null ? null : SshAlgorithms.Macs.First(m => m.Name == algorithms.Mac);
        byte[] Derive(char letter, int length) => KeyDerivation.Derive(hash, outcome, SessionId, letter, length);
        var toServer = cipher.Create(Derive(KeyDerivation.KeyClientToServer, cipher.KeyLength), Derive(KeyDerivation.IvClientToServer, cipher.IvLength),
            mac, Derive(KeyDerivation.MacClientToServer, mac?.KeyLength ?? 0));
        var toClient = cipher.Create(Derive(KeyDerivation.KeyServerToClient, cipher.KeyLength), Derive(KeyDerivation.IvServerToClient, cipher.IvLength),
            mac, Derive(KeyDerivation.MacServerToClient, mac?.KeyLength ?? 0));

        // NEWKEYS goes with whatever the caller sends next (one batch); the server's NEWKEYS is read when the client
        // next needs a server packet, and switches the client's reader then.
        await SendAsync(new[] { MessageNumbers.NewKeys }, cancellationToken);
        if (!ReferenceEquals(_sendCipher, NoneCipher.Instance))
        {
            _sendCipher.Dispose();
        }

        _sendCipher = toServer;
        _sendSequence = first || _strictKex ? 0 : _sendSequence;
        _strictKex = first || _strictKex;
        if (_compressor is not null)
        {
            // RFC 4253 §6.2: the compression context restarts with the new keys (the server's reader does the same).
            _compressor.Dispose();
            _compressor = new PayloadCompressor();
        }

        _incomingAfterNewKeys?.Dispose();
        _incomingAfterNewKeys = toClient;
        return true;
    }

    /// <summary>RFC 4252 §5, §8: ssh-userauth, then the fuzz user's password; compression (if any) starts right after.</summary>
    public async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        using (var service = SshWriter.ForPayload(MessageNumbers.ServiceRequest, 32))
        {
            service.WriteString("ssh-userauth");
            await SendAsync(service.Written.ToArray(), cancellationToken);
        }

        using (var request = SshWriter.ForPayload(MessageNumbers.UserAuthRequest, 128))
        {
            request.WriteString(FuzzUsers.Name);
            request.WriteString("ssh-connection");
            request.WriteString("password");
            request.WriteBoolean(false);
            request.WriteString(FuzzUsers.Password);
            await SendAsync(request.Written.ToArray(), cancellationToken);
        }

        MarkAuthenticated();
    }

    /// <summary>From now on zlib@openssh.com (if negotiated) compresses what the client sends (OpenSSH PROTOCOL §1.2).</summary>
    public void MarkAuthenticated()
    {
        if (_compression == SshAlgorithms.DelayedZlib)
        {
            _compressor ??= new PayloadCompressor();
            _serverCompressesAfterAuth = true;
        }
    }

    /// <summary>Closes the client's side and waits for the session to end (the caller's deadline bounds the wait).</summary>
    public async Task FinishAsync()
    {
        await FlushAsync(end: true, CancellationToken.None);
        await Session;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            await FlushAsync(end: true, CancellationToken.None);
        }

        try
        {
            await Session.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            await _toClient.Reader.CompleteAsync();
            _in.Dispose();
            _compressor?.Dispose();
            _incomingAfterNewKeys?.Dispose();
            if (!ReferenceEquals(_sendCipher, NoneCipher.Instance))
            {
                _sendCipher.Dispose();
            }
        }
    }

    private bool Give()
    {
        _closed = true;
        return false;
    }

    /// <summary>The next server packet of type <paramref name="number"/>, skipping others; null on DISCONNECT, EOF or timeout.</summary>
    private async Task<byte[]?> ExpectAsync(byte number, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReplyTimeout);
        try
        {
            while (true)
            {
                var payload = await _in.ReadPayloadAsync(timeout.Token);
                byte actual = payload.Length == 0 ? (byte)0 : payload[0];
                if (actual == number)
                {
                    return payload;
                }

                if (actual == MessageNumbers.NewKeys && _incomingAfterNewKeys is { } next)
                {
                    _in.ChangeCipher(next, resetSequence: _strictKex);
                    _incomingAfterNewKeys = null;
                    continue;
                }

                if (actual == MessageNumbers.Disconnect)
                {
                    return null;
                }

                if (actual == MessageNumbers.UserAuthSuccess && _serverCompressesAfterAuth)
                {
                    _in.EnableDecompression();
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or OperationCanceledException or InvalidDataException or IOException)
        {
            return null;
        }
    }

    /// <summary>The client's half of curve25519-sha256 (RFC 8731) or ecdh-sha2-* (RFC 5656 §4).</summary>
    private abstract class ClientAgreement : IDisposable
    {
        public abstract byte[] PublicValue { get; }

        /// <summary>K as the exchange hash encodes it (mpint), or null for a server value we cannot use.</summary>
        public abstract byte[]? Agree(byte[] serverValue);

        public abstract void Dispose();

        public static ClientAgreement Create(string kex) => kex.StartsWith("curve25519", StringComparison.Ordinal)
            ? new X25519Agreement()
            : new EcdhAgreement(EcdsaCurve.FromKeyType("ecdsa-sha2-" + kex["ecdh-sha2-".Length..])!);

        protected static byte[] Mpint(ReadOnlySpan<byte> unsignedBigEndian)
        {
            using var writer = new SshWriter(unsignedBigEndian.Length + 5);
            writer.WriteMpint(unsignedBigEndian);
            return writer.ToArray();
        }
    }

    private sealed class X25519Agreement : ClientAgreement
    {
        private readonly byte[] _private;

        public X25519Agreement() => (_private, PublicValue) = Curve25519.GenerateKeyPair();

        public override byte[] PublicValue { get; }

        public override byte[]? Agree(byte[] serverValue)
        {
            Span<byte> shared = stackalloc byte[32];
            return Curve25519.TryComputeSharedSecret(_private, serverValue, shared) ? Mpint(shared) : null;
        }

        public override void Dispose() => CryptographicOperations.ZeroMemory(_private);
    }

    private sealed class EcdhAgreement(EcdsaCurve curve) : ClientAgreement
    {
        private readonly ECDiffieHellman _key = ECDiffieHellman.Create(curve.Curve);

        public override byte[] PublicValue => curve.EncodePoint(_key.ExportParameters(false).Q);

        public override byte[]? Agree(byte[] serverValue)
        {
            try
            {
                using var peer = ECDiffieHellman.Create(new ECParameters { Curve = curve.Curve, Q = curve.DecodePoint(serverValue) });
                return Mpint(_key.DeriveRawSecretAgreement(peer.PublicKey));
            }
            catch (Exception e) when (e is FormatException or CryptographicException)
            {
                return null;
            }
        }

        public override void Dispose() => _key.Dispose();
    }
}
