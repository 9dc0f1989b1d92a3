using System.Buffers;

namespace MultiXfer.Ftp.Control;

public enum LineStatus
{
    /// <summary>All input was consumed and no line is complete yet.</summary>
    NeedMore,
    /// <summary>A line is complete: read it with <see cref="ControlLineParser.TakeLine"/>.</summary>
    Line,
    /// <summary>The line passed the limit. The rest of it, up to its newline, is discarded as it arrives.</summary>
    TooLong,
    /// <summary>A line starts with a TLS handshake record (0x16): a TLS client on a plaintext command line.</summary>
    TlsHandshake,
}

/// <summary>
/// Splits the control connection's bytes into command lines (RFC 959 section 4.1.3: Telnet strings ending in
/// CRLF). Telnet commands (IAC IP, IAC DM that clients send before ABOR; option negotiation) are removed,
/// IAC IAC is a literal 0xFF, a bare LF also ends a line, and a line longer than <see cref="MaxLineLength"/> is
/// reported once and then skipped without ever buffering more than the limit. The line buffer is rented only
/// while a line is partially received, so an idle session holds none. Pure: no I/O.
/// </summary>
internal sealed class ControlLineParser
{
    public const int MaxLineLength = 4096;

    private const byte Iac = 255;
    private const byte TlsHandshakeRecord = 0x16;
    private const byte SubnegotiationBegin = 250;
    private const byte SubnegotiationEnd = 240;
    private const byte Will = 251;
    private const byte Dont = 254;

    private enum TelnetState : byte
    {
        Data,
        Command,
        Option,
        Subnegotiation,
        SubnegotiationIac,
    }

    private TelnetState _telnet;
    private byte[]? _line;
    private int _length;
    private bool _discarding;

    /// <summary>Consumes input up to and including the end of at most one line.</summary>
    public LineStatus Feed(ReadOnlySpan<byte> input, out int consumed)
    {
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            switch (_telnet)
            {
                case TelnetState.Command:
                    _telnet = b switch
                    {
                        Iac => TelnetState.Data,
                        >= Will and <= Dont => TelnetState.Option,
                        SubnegotiationBegin => TelnetState.Subnegotiation,
                        _ => TelnetState.Data,
                    };
                    if (b == Iac && Append(b))
                    {
                        consumed = i + 1;
                        return LineStatus.TooLong;
                    }

                    continue;
                case TelnetState.Option:
                    _telnet = TelnetState.Data;
                    continue;
                case TelnetState.Subnegotiation:
                    _telnet = b == Iac ? TelnetState.SubnegotiationIac : TelnetState.Subnegotiation;
                    continue;
                case TelnetState.SubnegotiationIac:
                    _telnet = b == SubnegotiationEnd ? TelnetState.Data : TelnetState.Subnegotiation;
                    continue;
            }

            if (b == Iac)
            {
                _telnet = TelnetState.Command;
                continue;
            }

            if (b == TlsHandshakeRecord && _length == 0 && !_discarding)
            {
                consumed = i + 1;
                return LineStatus.TlsHandshake;
            }

            if (b == (byte)'\n')
            {
                consumed = i + 1;
                if (_discarding)
                {
                    _discarding = false;
                    continue;
                }

                if (_length > 0 && _line![_length - 1] == (byte)'\r')
                {
                    _length--;
                }

                return LineStatus.Line;
            }

            if (Append(b))
            {
                consumed = i + 1;
                return LineStatus.TooLong;
            }
        }

        consumed = input.Length;
        return LineStatus.NeedMore;
    }

    /// <summary>Appends one byte; true when that made the line too long (reported once).</summary>
    private bool Append(byte b)
    {
        if (_discarding)
        {
            return false;
        }

        // One byte of slack for the CR of the line's CRLF, which is not part of the command.
        if (_length > MaxLineLength || (_length == MaxLineLength && b != (byte)'\r'))
        {
            _discarding = true;
            ReleaseLine();
            return true;
        }

        _line ??= ArrayPool<byte>.Shared.Rent(MaxLineLength + 1);
        _line[_length++] = b;
        return false;
    }

    /// <summary>True when part of a line (or of a Telnet command) has arrived but not been returned.</summary>
    public bool HasPartialLine => _length > 0 || _discarding || _telnet != TelnetState.Data;

    /// <summary>Forgets any partial line, as when input arrived in plaintext before a TLS handshake.</summary>
    public void Reset()
    {
        ReleaseLine();
        _discarding = false;
        _telnet = TelnetState.Data;
    }

    /// <summary>Hands the completed line to <paramref name="use"/> and releases the buffer.</summary>
    public T TakeLine<T>(Func<ReadOnlySpan<byte>, T> use)
    {
        try
        {
            return use(_line is null ? [] : _line.AsSpan(0, _length));
        }
        finally
        {
            ReleaseLine();
        }
    }

    private void ReleaseLine()
    {
        if (_line is not null)
        {
            ArrayPool<byte>.Shared.Return(_line);
            _line = null;
        }

        _length = 0;
    }
}
