using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Algorithms.KeyExchange;
using MultiXfer.Ssh.Crypto;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Transport;

internal sealed partial class SshTransport
{
    /// <summary>Rekey before a 32-bit sequence number could wrap under the same keys.</summary>
    private const long MaxPacketsPerKey = 1L << 31;

    private readonly Lock _keyExchangeLock = new();
    private KexInitMessage? _ourKexInit;
    private bool _firstKeyExchangeDone;
    private bool _strictKex;
    private bool _clientWantsExtInfo;
    private string? _compressionIn;
    private string? _compressionOut;
    private long _lastKeyChange;

    /// <summary>The host key algorithm the first key exchange used; its key's (or certificate's) blob is <see cref="HostKeyBlob"/>.</summary>
    public HostKeyAlgorithm? HostKeyAlgorithm { get; private set; }

    /// <summary>The host key the client verified in the first key exchange.</summary>
    public byte[] HostKeyBlob { get; private set; } = [];

    /// <summary>
    /// Sends our KEXINIT unless one is already out for the exchange in progress (RFC 4253 §9); true when this call
    /// sent it.
    /// </summary>
    public bool StartKeyExchange()
    {
        KexInitMessage ours;
        lock (_keyExchangeLock)
        {
            if (_ourKexInit is not null)
            {
                return false;
            }

            var hostKeyAlgorithms = _policy.HostKeys.Where(h => _hostKeys.For(h) is not null).Select(h => h.Name).ToList();
            // OpenSSH PROTOCOL §1.10: the strict-kex marker belongs in the first KEXINIT only.
            var kex = _policy.KeyExchanges.Select(k => k.Name).Concat(_firstKeyExchangeDone ? [] : [SshAlgorithms.StrictKexServer]);
            ours = KexInitMessage.Create(kex, hostKeyAlgorithms, _policy.Ciphers.Select(c => c.Name), _policy.Macs.Select(m => m.Name),
                _policy.Compressions);
            _ourKexInit = ours;
        }

        _writer.Post(OutgoingPacket.Copy(ours.Payload));
        return true;
    }

    /// <summary>Starts a rekey when a volume, packet count or time limit is reached (RFC 4253 §9).</summary>
    private void RekeyIfDue()
    {
        if (!_firstKeyExchangeDone || _writer.KeyExchangeInProgress || Volatile.Read(ref _ourKexInit) is not null)
        {
            return;
        }

        long limit = _options.RekeyLimitBytes;
        bool due = _reader.BytesSinceKeyChange >= limit || _writer.BytesSinceKeyChange >= limit
            || _reader.PacketsSinceKeyChange >= MaxPacketsPerKey || _writer.PacketsSinceKeyChange >= MaxPacketsPerKey
            || (_options.RekeyIntervalSeconds > 0 && _time.GetElapsedTime(Interlocked.Read(ref _lastKeyChange)).TotalSeconds >= _options.RekeyIntervalSeconds);
        if (due && StartKeyExchange())
        {
            LogRekeyDue();
        }
    }

    /// <summary>
    /// Before the first exchange completes nothing but the exchange may happen; IGNORE, DEBUG and UNIMPLEMENTED are
    /// tolerated then only without strict KEX (OpenSSH PROTOCOL §1.10, the Terrapin countermeasure).
    /// </summary>
    private void RequireKeysFor(byte number)
    {
        if (_firstKeyExchangeDone)
        {
            return;
        }

        if (number is MessageNumbers.Ignore or MessageNumbers.Debug or MessageNumbers.Unimplemented && !_strictKex)
        {
            return;
        }

        throw new SshProtocolException(DisconnectReason.ProtocolError, $"message {number} before the first key exchange completed");
    }

    /// <summary>Runs a key exchange the client's KEXINIT started (or answered), and counts how it ended.</summary>
    private async Task RunKeyExchangeAsync(ReadOnlyMemory<byte> clientPayload, CancellationToken cancellationToken)
    {
        bool initial = !_firstKeyExchangeDone;
        NegotiatedAlgorithms negotiated;
        try
        {
            negotiated = await ExchangeKeysAsync(clientPayload, cancellationToken);
        }
        catch (Exception e)
        {
            _metrics?.KeyExchangeFailed(e switch
            {
                NoCommonAlgorithmException => "no_common_algorithm",
                SshProtocolException { Reason: DisconnectReason.KeyExchangeFailed } => "key_exchange_failed",
                SshProtocolException => "protocol_error",
                PeerDisconnectedException => "peer_disconnected",
                OperationCanceledException => "cancelled",
                _ => "connection_lost",
            }, initial);
            throw;
        }

        _metrics?.KeyExchangeCompleted(negotiated.KeyExchange.Name, negotiated.HostKey.Name, negotiated.CipherIn.Name, initial);
    }

    private async Task<NegotiatedAlgorithms> ExchangeKeysAsync(ReadOnlyMemory<byte> clientPayload, CancellationToken cancellationToken)
    {
        var client = KexInitMessage.Parse(clientPayload.Span);
        if (!_firstKeyExchangeDone)
        {
            _strictKex = client.KeyExchange.Contains(SshAlgorithms.StrictKexClient);
            _clientWantsExtInfo = client.KeyExchange.Contains(SshAlgorithms.ExtInfoClient);
            if (_strictKex && _reader.TotalPackets != 1)
            {
                throw new SshProtocolException(DisconnectReason.ProtocolError, "strict KEX violation: KEXINIT was not the first packet");
            }
        }

        StartKeyExchange();
        var server = _ourKexInit!;
        var negotiated = AlgorithmNegotiation.Negotiate(client, server, _policy);
        var conversation = new KexConversation(this);
        if (negotiated.IgnoreGuessedPacket)
        {
            await conversation.ReceiveAsync(cancellationToken);
        }

        var (hostKey, hostKeyBlob) = _hostKeys.For(negotiated.HostKey)
            ?? throw new SshProtocolException(DisconnectReason.KeyExchangeFailed, "no host key for the negotiated algorithm");
        var inputs = new KexInputs(ClientIdentification, ServerIdentification, client.Payload, server.Payload, hostKey, hostKeyBlob,
            negotiated.HostKey.SignatureAlgorithm);
        var outcome = await negotiated.KeyExchange.RunAsync(conversation, inputs, cancellationToken);
        if (!_firstKeyExchangeDone)
        {
            SessionId = outcome.ExchangeHash;
            HostKeyAlgorithm = negotiated.HostKey;
            HostKeyBlob = inputs.HostKeyBlob;
        }

        CheckCompression(negotiated);
        var (incoming, outgoing) = CreateCiphers(negotiated, outcome);
        CryptographicOperations.ZeroMemory(outcome.EncodedSecret);
        OutgoingPacket? extInfo = !_firstKeyExchangeDone && _clientWantsExtInfo ? BuildExtInfo() : null;
        _writer.PostKeyChange(OutgoingPacket.Copy([MessageNumbers.NewKeys]), outgoing, _strictKex, extInfo);

        try
        {
            await conversation.ReceiveNewKeysAsync(cancellationToken);
        }
        catch
        {
            incoming.Dispose();
            throw;
        }

        _reader.ChangeCipher(incoming, _strictKex);
        Interlocked.Exchange(ref _lastKeyChange, _time.GetTimestamp());
        LogKeyExchangeDone(negotiated.KeyExchange.Name, negotiated.HostKey.Name, negotiated.CipherIn.Name,
            negotiated.MacIn?.Name ?? "<implicit>", _strictKex, !_firstKeyExchangeDone);
        _firstKeyExchangeDone = true;
        lock (_keyExchangeLock)
        {
            _ourKexInit = null;
        }

        return negotiated;
    }

    /// <summary>Compression is fixed by the first exchange; a rekey may not switch it (OpenSSH clients never try).</summary>
    private void CheckCompression(NegotiatedAlgorithms negotiated)
    {
        if (_compressionIn is null)
        {
            _compressionIn = negotiated.CompressionIn;
            _compressionOut = negotiated.CompressionOut;
        }
        else if (_compressionIn != negotiated.CompressionIn || _compressionOut != negotiated.CompressionOut)
        {
            throw new SshProtocolException(DisconnectReason.CompressionError, "compression cannot change during a connection");
        }
    }

    private (PacketCipher Incoming, PacketCipher Outgoing) CreateCiphers(NegotiatedAlgorithms negotiated, KexOutcome outcome)
    {
        var hash = negotiated.KeyExchange.Hash;
        byte[] Derive(char letter, int length) => KeyDerivation.Derive(hash, outcome, SessionId, letter, length);

        byte[] ivIn = Derive(KeyDerivation.IvClientToServer, negotiated.CipherIn.IvLength);
        byte[] keyIn = Derive(KeyDerivation.KeyClientToServer, negotiated.CipherIn.KeyLength);
        byte[] macIn = Derive(KeyDerivation.MacClientToServer, negotiated.MacIn?.KeyLength ?? 0);
        byte[] ivOut = Derive(KeyDerivation.IvServerToClient, negotiated.CipherOut.IvLength);
        byte[] keyOut = Derive(KeyDerivation.KeyServerToClient, negotiated.CipherOut.KeyLength);
        byte[] macOut = Derive(KeyDerivation.MacServerToClient, negotiated.MacOut?.KeyLength ?? 0);
        try
        {
            return (negotiated.CipherIn.Create(keyIn, ivIn, negotiated.MacIn, macIn),
                negotiated.CipherOut.Create(keyOut, ivOut, negotiated.MacOut, macOut));
        }
        finally
        {
            foreach (var secret in new[] { ivIn, keyIn, macIn, ivOut, keyOut, macOut })
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }
    }

    /// <summary>
    /// RFC 8308 §2.4, §3.1: server-sig-algs, plus OpenSSH's publickey-hostbound (PROTOCOL §1.10) and ping
    /// (PROTOCOL §1.9) extensions. Sent once, right after our first NEWKEYS.
    /// </summary>
    private static OutgoingPacket BuildExtInfo()
    {
        using var message = SshWriter.ForPayload(MessageNumbers.ExtInfo, 256);
        message.WriteUInt32(3);
        message.WriteString("server-sig-algs");
        message.WriteString(string.Join(',', SshAlgorithms.UserSignatureAlgorithms));
        message.WriteString("publickey-hostbound@openssh.com");
        message.WriteString("0");
        message.WriteString("ping@openssh.com");
        message.WriteString("0");
        return message.ToPacket();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "key exchange {Kex} with {HostKey}, {Cipher} / {Mac}, strict {Strict}, first {First}")]
    private partial void LogKeyExchangeDone(string kex, string hostKey, string cipher, string mac, bool strict, bool first);

    [LoggerMessage(Level = LogLevel.Debug, Message = "rekey due: starting a key exchange")]
    private partial void LogRekeyDue();

    /// <summary>The key exchange's view: method messages in, and generic messages filtered according to strict KEX.</summary>
    private sealed class KexConversation(SshTransport transport) : IKexConversation
    {
        public ValueTask<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken) =>
            NextAsync(number => number is >= 30 and <= 49, cancellationToken);

        public async Task ReceiveNewKeysAsync(CancellationToken cancellationToken) =>
            await NextAsync(number => number == MessageNumbers.NewKeys, cancellationToken);

        public void Send(OutgoingPacket packet) => transport._writer.Post(packet);

        private async ValueTask<ReadOnlyMemory<byte>> NextAsync(Func<byte, bool> expected, CancellationToken cancellationToken)
        {
            while (true)
            {
                var payload = await transport._reader.ReadPayloadAsync(cancellationToken);
                byte number = payload.Span[0];
                if (expected(number))
                {
                    return payload;
                }

                if (number == MessageNumbers.Disconnect)
                {
                    throw ReadDisconnect(payload.Span);
                }

                bool generic = number is MessageNumbers.Ignore or MessageNumbers.Debug or MessageNumbers.Unimplemented;
                if (generic && !(transport._strictKex && !transport._firstKeyExchangeDone))
                {
                    continue;
                }

                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    transport._strictKex ? $"strict KEX violation: message {number} during key exchange" : $"unexpected message {number} during key exchange");
            }
        }
    }
}
