namespace MultiXfer.Transport.Data;

/// <summary>An inclusive port range such as "50000-50199"; empty means "any free port".</summary>
public readonly record struct PortRange(int First, int Last)
{
    public int Count => Last - First + 1;

    public static bool TryParse(string text, out PortRange? range, out string problem)
    {
        range = null;
        problem = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        string[] parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length is < 1 or > 2 || !int.TryParse(parts[0], out int first) || !int.TryParse(parts[^1], out int last))
        {
            problem = "expected FIRST-LAST, such as 50000-50199";
            return false;
        }

        if (first is < 1024 or > 65535 || last is < 1024 or > 65535 || last < first)
        {
            problem = "ports must be 1024-65535 and FIRST must not exceed LAST";
            return false;
        }

        range = new PortRange(first, last);
        return true;
    }

    public override string ToString() => $"{First}-{Last}";
}
