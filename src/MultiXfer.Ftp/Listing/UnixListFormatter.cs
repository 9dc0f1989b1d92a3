using System.Globalization;
using MultiXfer.Fsio;

namespace MultiXfer.Ftp.Listing;

/// <summary>
/// LIST lines in the "ls -l" form that lftp, curl, FileZilla and WinSCP parse:
/// <c>-rw-r--r--    1 ftp      ftp          1234 Nov 21 14:42 name</c>. Owners are shown as "ftp" so no host
/// account ids leak; times are UTC; older than six months shows the year instead of the time.
/// </summary>
internal static class UnixListFormatter
{
    private static readonly TimeSpan SixMonths = TimeSpan.FromDays(182);

    public static string Format(string name, FileStatus status, string? linkTarget, DateTime nowUtc)
    {
        string when = status.ModifiedUtc > nowUtc - SixMonths && status.ModifiedUtc < nowUtc + TimeSpan.FromDays(1)
            ? status.ModifiedUtc.ToString("MMM dd HH:mm", CultureInfo.InvariantCulture)
            : status.ModifiedUtc.ToString("MMM dd  yyyy", CultureInfo.InvariantCulture);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{Mode(status)} {status.LinkCount,4} ftp      ftp      {status.Size,12} {when} {name}");
        return linkTarget is null ? line : $"{line} -> {linkTarget}";
    }

    public static string Mode(FileStatus status)
    {
        Span<char> mode = stackalloc char[10];
        mode[0] = status.Type switch
        {
            FileType.Directory => 'd',
            FileType.SymbolicLink => 'l',
            _ => '-',
        };
        int bits = status.Permissions;
        const string Letters = "rwxrwxrwx";
        for (int i = 0; i < 9; i++)
        {
            mode[i + 1] = (bits & (0x100 >> i)) != 0 ? Letters[i] : '-';
        }

        if ((bits & 0x800) != 0) mode[3] = mode[3] == 'x' ? 's' : 'S';
        if ((bits & 0x400) != 0) mode[6] = mode[6] == 'x' ? 's' : 'S';
        if ((bits & 0x200) != 0) mode[9] = mode[9] == 'x' ? 't' : 'T';
        return new string(mode);
    }

    /// <summary>Names that would break the one-entry-per-line form are left out of listings.</summary>
    public static bool IsListable(string name) => name.AsSpan().IndexOfAny('\r', '\n') < 0;
}
