namespace MultiXfer.Ftp.Control;

/// <summary>TLS record framing (RFC 8446 section 5.1), just enough to step over one record on a raw stream.</summary>
internal static class TlsRecords
{
    private const int HeaderLength = 5;

    /// <summary>Ciphertext is at most 2^14 + 256 bytes (RFC 8446 section 5.2).</summary>
    private const int MaxRecordLength = (1 << 14) + 256;

    /// <summary>
    /// Reads and drops one TLS record (alert 21 or, in TLS 1.3, application data 23 hiding the alert). When the
    /// bytes are not a TLS record (a client that skipped close_notify), they are returned for the caller to parse.
    /// </summary>
    public static async Task<byte[]> SkipOneAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] header = new byte[HeaderLength];
        int read = 0;
        while (read < HeaderLength)
        {
            int n = await stream.ReadAsync(header.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return header[..read];
            }

            read += n;
            if (!LooksLikeRecord(header.AsSpan(0, read)))
            {
                return header[..read];
            }
        }

        int length = (header[3] << 8) | header[4];
        if (length > MaxRecordLength)
        {
            throw new IOException($"TLS record of {length} bytes is over the limit");
        }

        await stream.ReadExactlyAsync(new byte[length], cancellationToken);
        return [];
    }

    /// <summary>Content type alert or application data, then protocol version 3.x, as far as the bytes go.</summary>
    private static bool LooksLikeRecord(ReadOnlySpan<byte> prefix) =>
        prefix[0] is 21 or 23 && (prefix.Length < 2 || prefix[1] == 3) && (prefix.Length < 3 || prefix[2] <= 4);
}
