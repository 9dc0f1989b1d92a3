using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Keys;

/// <summary>The SSH signature encodings: the outer blob of RFC 4253 §6.6 and the ECDSA (r, s) pair of RFC 5656 §3.1.2.</summary>
internal static class SshSignature
{
    /// <summary>string signature-algorithm, string signature.</summary>
    public static byte[] Encode(string algorithm, ReadOnlySpan<byte> signature)
    {
        using var writer = new SshWriter(signature.Length + 64);
        writer.WriteString(algorithm);
        writer.WriteString(signature);
        return writer.ToArray();
    }

    /// <summary>.NET's IEEE P1363 r || s (each half padded to the field size) as SSH's mpint r, mpint s.</summary>
    public static byte[] EcdsaFromP1363(ReadOnlySpan<byte> p1363)
    {
        int half = p1363.Length / 2;
        using var writer = new SshWriter(p1363.Length + 16);
        writer.WriteMpint(p1363[..half]);
        writer.WriteMpint(p1363[half..]);
        return writer.ToArray();
    }

    /// <summary>
    /// SSH's mpint r, mpint s as IEEE P1363 for .NET, or null when r or s lies outside [1, n-1] or bytes follow them.
    /// Checking the range here keeps a hostile value from being silently truncated into the fixed-size field.
    /// </summary>
    public static byte[]? EcdsaToP1363(ReadOnlySpan<byte> signature, EcdsaCurve curve)
    {
        var reader = new SshReader(signature);
        var r = reader.ReadPositiveMpint(curve.FieldSize, "ECDSA r");
        var s = reader.ReadPositiveMpint(curve.FieldSize, "ECDSA s");
        if (!reader.IsAtEnd || !curve.IsValidScalar(r) || !curve.IsValidScalar(s))
        {
            return null;
        }

        return [.. BigEndian.LeftPad(r, curve.FieldSize), .. BigEndian.LeftPad(s, curve.FieldSize)];
    }
}
