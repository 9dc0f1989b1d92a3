using System.Buffers;
using System.Text;

namespace MultiXfer.Ftp.Control;

public enum ControlInputKind
{
    Command,
    /// <summary>The line could not be parsed (no verb, not UTF-8): reply 500 without echoing it.</summary>
    Unparseable,
    /// <summary>The line passed 4 KiB: reply 500; the rest of the line is discarded.</summary>
    TooLong,
    /// <summary>A TLS ClientHello on a plaintext command line: close without a word.</summary>
    TlsHandshake,
    EndOfStream,
}

internal readonly record struct ControlInput(ControlInputKind Kind, FtpCommand Command = default);

/// <summary>
/// Reads command lines from, and writes replies to, the control connection. Waiting for input uses a zero-byte
/// read, so an idle session holds no receive buffer; one is rented only while bytes are being parsed. Replies are
/// serialised, since a transfer finishing in the background and the command loop may both reply.
/// </summary>
internal sealed class ControlChannel(Stream stream)
{
    private const int ReadChunk = 2048;

    private readonly ControlLineParser _parser = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private byte[]? _buffer;
    private int _start;
    private int _end;

    public Stream Stream { get; private set; } = stream;

    /// <summary>Bytes received beyond the last command returned (STARTTLS injection, RFC 4217 section 4 and
    /// CVE-2011-1575): whatever a client sent after AUTH TLS and before the 234 reply.</summary>
    public int BufferedInputLength => (_end - _start) + (_parser.HasPartialLine ? 1 : 0);

    public async ValueTask<ControlInput> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_end > _start)
            {
                var status = _parser.Feed(_buffer.AsSpan(_start, _end - _start), out int consumed);
                _start += consumed;
                if (_start == _end)
                {
                    ReturnBuffer();
                }

                switch (status)
                {
                    case LineStatus.TooLong:
                        return new ControlInput(ControlInputKind.TooLong);
                    case LineStatus.TlsHandshake:
                        return new ControlInput(ControlInputKind.TlsHandshake);
                    case LineStatus.Line:
                        return _parser.TakeLine(static line =>
                            FtpCommand.TryParse(line, out var command)
                                ? new ControlInput(ControlInputKind.Command, command)
                                : new ControlInput(ControlInputKind.Unparseable));
                }

                continue;
            }

            // Wait for data without holding a buffer (a zero-byte read completes when data is available), then read
            // what is there.
#pragma warning disable CA2022 // The zero-byte read is the point: it only waits.
            await Stream.ReadAsync(Memory<byte>.Empty, cancellationToken);
#pragma warning restore CA2022
            _buffer ??= ArrayPool<byte>.Shared.Rent(ReadChunk);
            int n = await Stream.ReadAsync(_buffer.AsMemory(0, ReadChunk), cancellationToken);
            if (n == 0)
            {
                ReturnBuffer();
                return new ControlInput(ControlInputKind.EndOfStream);
            }

            _start = 0;
            _end = n;
        }
    }

    /// <summary>
    /// Switches to a new stream over the same connection (TLS after AUTH, plaintext again after CCC). Input that
    /// arrived before the switch is dropped: it was sent before the protection it would run under.
    /// </summary>
    public void Replace(Stream replacement)
    {
        ReturnBuffer();
        _parser.Reset();
        Stream = replacement;
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _start = _end = 0;
    }

    public async ValueTask WriteAsync(string text, CancellationToken cancellationToken)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.UTF8.GetBytes(text, bytes);
            await _writeLock.WaitAsync(cancellationToken);
            try
            {
                await Stream.WriteAsync(bytes.AsMemory(0, length), cancellationToken);
                await Stream.FlushAsync(cancellationToken);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
