namespace MultiXfer.Ftp.Data;

/// <summary>
/// TYPE A line-ending conversion (RFC 959 section 3.1.1.1): the network form ends lines with CRLF, the stored form
/// with LF. State carries across buffer boundaries, so a CR at the end of one read pairs with the next LF.
/// </summary>
internal static class AsciiConverter
{
    /// <summary>LF becomes CRLF unless already preceded by CR. Needs room for twice the input.</summary>
    public static int ToNetwork(ReadOnlySpan<byte> source, Span<byte> destination, ref bool lastWasCr)
    {
        int written = 0;
        foreach (byte b in source)
        {
            if (b == (byte)'\n' && !lastWasCr)
            {
                destination[written++] = (byte)'\r';
            }

            destination[written++] = b;
            lastWasCr = b == (byte)'\r';
        }

        return written;
    }

    /// <summary>CRLF becomes LF; a lone CR stays. Needs room for the input plus one byte.</summary>
    public static int FromNetwork(ReadOnlySpan<byte> source, Span<byte> destination, ref bool pendingCr)
    {
        int written = 0;
        foreach (byte b in source)
        {
            if (pendingCr)
            {
                pendingCr = false;
                if (b != (byte)'\n')
                {
                    destination[written++] = (byte)'\r';
                }
            }

            if (b == (byte)'\r')
            {
                pendingCr = true;
                continue;
            }

            destination[written++] = b;
        }

        return written;
    }

    /// <summary>At end of input a CR still pending was a lone CR: returns it, if any.</summary>
    public static int Flush(Span<byte> destination, ref bool pendingCr)
    {
        if (!pendingCr)
        {
            return 0;
        }

        pendingCr = false;
        destination[0] = (byte)'\r';
        return 1;
    }
}
