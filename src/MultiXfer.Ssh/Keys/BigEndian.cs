namespace MultiXfer.Ssh.Keys;

/// <summary>Unsigned big-endian integers between SSH mpints (minimal) and fixed-width fields (.NET, P1363, PKCS#1).</summary>
internal static class BigEndian
{
    /// <summary>The magnitude right-aligned in <paramref name="length"/> bytes; leading zeros may be dropped, nothing else.</summary>
    public static byte[] LeftPad(ReadOnlySpan<byte> magnitude, int length)
    {
        var trimmed = magnitude.TrimStart((byte)0);
        if (trimmed.Length > length)
        {
            throw new FormatException($"integer of {trimmed.Length} bytes does not fit in {length}");
        }

        var field = new byte[length];
        trimmed.CopyTo(field.AsSpan(length - trimmed.Length));
        return field;
    }

    /// <summary>Bit length of a magnitude, as ssh-keygen reports an RSA key's size.</summary>
    public static int BitLength(ReadOnlySpan<byte> magnitude)
    {
        var trimmed = magnitude.TrimStart((byte)0);
        return trimmed.IsEmpty ? 0 : ((trimmed.Length - 1) * 8) + (32 - int.LeadingZeroCount(trimmed[0]));
    }
}
