using MultiXfer.Connections;

namespace MultiXfer.Ftp.Control;

/// <summary>
/// Gives TLS the control connection's bytes one record at a time (RFC 8446 section 5.1 framing), never beyond the
/// end of the current record. After CCC the client's close_notify is the last TLS record and plaintext commands
/// follow it on the same connection; reading through TLS until close_notify must not pull those commands into
/// TLS's buffers, where they would be lost.
/// </summary>
internal sealed class TlsRecordBoundaryStream(Stream inner) : RelayStream(inner)
{
    private const int HeaderLength = 5;

    /// <summary>Ciphertext is at most 2^14 + 256 bytes (RFC 8446 section 5.2); a larger length is not TLS.</summary>
    private const int MaxRecordLength = (1 << 14) + 256;

    private readonly byte[] _header = new byte[HeaderLength];
    private int _headerRead;
    private int _bodyLeft;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return await Input.ReadAsync(buffer, cancellationToken);
        }

        if (_bodyLeft > 0)
        {
            int n = await Input.ReadAsync(buffer[..Math.Min(buffer.Length, _bodyLeft)], cancellationToken);
            _bodyLeft -= n;
            return n;
        }

        // At a record boundary: hand over the header, learning the record's length as it passes.
        int count = await Input.ReadAsync(buffer[..Math.Min(buffer.Length, HeaderLength - _headerRead)], cancellationToken);
        buffer.Span[..count].CopyTo(_header.AsSpan(_headerRead));
        _headerRead += count;
        if (_headerRead == HeaderLength)
        {
            _bodyLeft = (_header[3] << 8) | _header[4];
            _headerRead = 0;
            if (_bodyLeft > MaxRecordLength)
            {
                throw new IOException($"TLS record of {_bodyLeft} bytes is over the limit");
            }
        }

        return count;
    }
}
