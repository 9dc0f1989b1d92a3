namespace MultiXfer.Fsio;

/// <summary>
/// '*' and '?' wildcards in the last path segment (FTP LIST/NLST/STAT arguments, scp downloads). Matching is
/// iterative with a single
/// backtrack point, O(name x pattern) at worst with both bounded by NAME_MAX, and never recurses into directories
/// (the glob-expansion CPU attacks on vsftpd and libc glob, CVE-2011-0762 and CVE-2010-2632).
/// </summary>
public static class NamePattern
{
    public static bool HasWildcards(string segment) => segment.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <param name="ignoreCase">For host names (ssh_config(5) PATTERNS in authorized_keys from=, case-insensitive as sshd's match_hostname).</param>
    public static bool Matches(ReadOnlySpan<char> name, ReadOnlySpan<char> pattern, bool ignoreCase = false)
    {
        int n = 0, p = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n] ||
                (ignoreCase && char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(name[n]))))
            {
                n++;
                p++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                n = ++starN;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
