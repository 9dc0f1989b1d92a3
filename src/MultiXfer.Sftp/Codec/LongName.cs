using System.Globalization;
using MultiXfer.Fsio;

namespace MultiXfer.Sftp.Codec;

/// <summary>
/// The version 3 "longname" of a NAME entry (draft -02 §7: the output of ls -l). Laid out as OpenSSH's sftp-server
/// does (ls_file in sftp-common.c), because clients show it verbatim and some parse it.
/// </summary>
internal static class LongName
{
    /// <summary>Half of a 365-day year, to the second, as OpenSSH's ls_file computes it.</summary>
    private static readonly TimeSpan SixMonths = TimeSpan.FromSeconds(365 * 24 * 60 * 60 / 2);

    public static string Format(string name, FileStatus status, OwnerNames owners, DateTime nowUtc)
    {
        string mode = ModeString(status);
        string user = owners.User(status.OwnerId);
        string group = owners.Group(status.GroupId);
        var local = status.ModifiedUtc.ToLocalTime();
        // Recent files show the time of day, older (or future) ones the year, as ls(1).
        string date = status.ModifiedUtc > nowUtc - SixMonths && status.ModifiedUtc <= nowUtc
            ? local.ToString("MMM ", CultureInfo.InvariantCulture) + local.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) +
              local.ToString(" HH:mm", CultureInfo.InvariantCulture)
            : local.ToString("MMM ", CultureInfo.InvariantCulture) + local.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) +
              "  " + local.Year.ToString(CultureInfo.InvariantCulture);
        // strmode(3) leaves an eleventh character (a space) after the type and permission bits.
        return string.Create(CultureInfo.InvariantCulture,
            $"{mode}  {status.LinkCount,3} {user.PadRight(8)} {group.PadRight(8)} {status.Size,8} {date} {name}");
    }

    /// <summary>strmode(3): type character and rwx triplets with setuid/setgid/sticky folded in.</summary>
    public static string ModeString(FileStatus status)
    {
        Span<char> chars = stackalloc char[10];
        chars[0] = status.Type switch
        {
            FileType.Directory => 'd',
            FileType.SymbolicLink => 'l',
            FileType.Regular => '-',
            _ => '?',
        };
        int mode = status.Permissions;
        Triplet(chars[1..4], mode >> 6, (mode & 0x800) != 0, 's');
        Triplet(chars[4..7], mode >> 3, (mode & 0x400) != 0, 's');
        Triplet(chars[7..10], mode, (mode & 0x200) != 0, 't');
        return new string(chars);
    }

    private static void Triplet(Span<char> chars, int bits, bool special, char specialChar)
    {
        chars[0] = (bits & 4) != 0 ? 'r' : '-';
        chars[1] = (bits & 2) != 0 ? 'w' : '-';
        bool execute = (bits & 1) != 0;
        chars[2] = special ? (execute ? specialChar : char.ToUpperInvariant(specialChar)) : (execute ? 'x' : '-');
    }
}
