using System.Buffers;
using System.Text;

namespace MultiXfer.Scp;

/// <summary>
/// The scp wire: newline-terminated control lines, one-byte acknowledgements (0 ok, 1 warning, 2 fatal, each error
/// followed by a message line), and raw file bytes, all on one stream. Reads are buffered; every control line has a
/// length limit.
/// </summary>
internal sealed class ScpChannel(Stream stream) : IDisposable
{
    /// <summary>Control lines carry one file name (at most 255 bytes) and numbers; OpenSSH's own buffer is 2 KiB.</summary>
    public const int MaxLineLength = 4096;

    public const int BufferSize = 256 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _start;
    private int _end;

    public Stream Stream => stream;

    /// <summary>The next byte, or -1 at the end of the stream.</summary>
    public async ValueTask<int> ReadByteAsync(CancellationToken cancellationToken)
    {
        if (_start == _end && !await FillAsync(cancellationToken))
        {
            return -1;
        }

        return Buffer[_start++];
    }

    /// <summary>A line without its newline; null at the end of the stream. Longer lines are a protocol error.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            int b = await ReadByteAsync(cancellationToken);
            if (b < 0)
            {
                return line.Count == 0 ? null : throw new ScpProtocolException("stream ended inside a control line");
            }

            if (b == '\n')
            {
                try
                {
                    return StrictUtf8.GetString(line.ToArray());
                }
                catch (DecoderFallbackException)
                {
                    throw new ScpProtocolException("control line is not UTF-8");
                }
            }

            if (line.Count >= MaxLineLength)
            {
                throw new ScpProtocolException($"control line longer than {MaxLineLength} bytes");
            }

            line.Add((byte)b);
        }
    }

    /// <summary>Up to <paramref name="maximum"/> bytes of file data; 0 only at the end of the stream.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadDataAsync(int maximum, CancellationToken cancellationToken)
    {
        if (_start == _end && !await FillAsync(cancellationToken))
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        int count = Math.Min(maximum, _end - _start);
        var data = Buffer.AsMemory(_start, count);
        _start += count;
        return data;
    }

    private static readonly byte[] Ok = [0];

    public ValueTask SendOkAsync(CancellationToken cancellationToken) => stream.WriteAsync(Ok, cancellationToken);

    /// <summary>An error for one file (1: the transfer goes on) or for the whole transfer (2).</summary>
    public ValueTask SendErrorAsync(bool fatal, string message, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.UTF8.GetBytes($"{(char)(fatal ? 2 : 1)}scp: {message.Replace('\n', ' ')}\n"), cancellationToken);

    public ValueTask SendLineAsync(string line, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);

    /// <summary>
    /// A status byte that may also be the end of the stream: ok, the end (no error), or a warning's message. A fatal
    /// error ends the transfer.
    /// </summary>
    public async ValueTask<(bool Ended, string? Error)> ReadStatusAsync(CancellationToken cancellationToken)
    {
        int code = await ReadByteAsync(cancellationToken);
        return code switch
        {
            0 => (false, null),
            -1 => (true, null),
            1 => (false, await ReadLineAsync(cancellationToken) ?? ""),
            2 => throw new ScpProtocolException("client ended the transfer: " + await ReadLineAsync(cancellationToken), clientGaveUp: true),
            _ => throw new ScpProtocolException($"unexpected status byte {code}"),
        };
    }

    /// <summary>
    /// The peer's acknowledgement: null when it is 0 (ok), else its message. A fatal error or the end of the stream
    /// ends the transfer.
    /// </summary>
    public async ValueTask<string?> ReadAckAsync(CancellationToken cancellationToken)
    {
        int code = await ReadByteAsync(cancellationToken);
        switch (code)
        {
            case 0:
                return null;
            case 1:
                return await ReadLineAsync(cancellationToken) ?? "";
            case 2:
                throw new ScpProtocolException("client ended the transfer: " + await ReadLineAsync(cancellationToken), clientGaveUp: true);
            case -1:
                throw new ScpProtocolException("client closed the stream", clientGaveUp: true);
            default:
                throw new ScpProtocolException($"unexpected acknowledgement byte {code}");
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(ScpChannel));

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await stream.ReadAsync(Buffer.AsMemory(), cancellationToken);
        return _end > 0;
    }
}

/// <summary>The transfer cannot go on: the peer broke the protocol, or gave up (then there is nothing to tell it).</summary>
internal sealed class ScpProtocolException(string message, bool clientGaveUp = false) : Exception(message)
{
    public bool ClientGaveUp { get; } = clientGaveUp;
}
