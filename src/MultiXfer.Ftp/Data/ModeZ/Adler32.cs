namespace MultiXfer.Ftp.Data.ModeZ;

/// <summary>
/// Adler-32 (RFC 1950 §8.2), the check a zlib stream ends with. .NET's inflater verifies it only when it reaches that
/// end; computing it ourselves tells a complete upload from one cut short (<see cref="InflatingStream"/>).
/// </summary>
internal struct Adler32
{
    private const uint Modulus = 65521;

    /// <summary>The most bytes summed before the sums must be reduced to stay within 32 bits (zlib's NMAX).</summary>
    private const int MaxRun = 5552;

    private uint _a;
    private uint _b;

    public Adler32()
    {
        _a = 1;
    }

    public readonly uint Value => (_b << 16) | _a;

    public void Append(ReadOnlySpan<byte> data)
    {
        uint a = _a;
        uint b = _b;
        while (data.Length > 0)
        {
            int run = Math.Min(data.Length, MaxRun);
            foreach (byte value in data[..run])
            {
                a += value;
                b += a;
            }

            a %= Modulus;
            b %= Modulus;
            data = data[run..];
        }

        _a = a;
        _b = b;
    }
}
