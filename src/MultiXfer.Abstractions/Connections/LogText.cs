namespace MultiXfer.Connections;

/// <summary>Client-supplied text made safe to log: no control characters (no forged lines), bounded length.</summary>
public static class LogText
{
    public const int MaxLength = 64;

    public static string Clean(string text)
    {
        var span = text.AsSpan(0, Math.Min(text.Length, MaxLength));
        Span<char> clean = stackalloc char[span.Length];
        for (int i = 0; i < span.Length; i++)
        {
            clean[i] = char.IsControl(span[i]) ? '?' : span[i];
        }

        return text.Length > MaxLength ? new string(clean) + "..." : new string(clean);
    }
}
