using MultiXfer.Fsio;

namespace MultiXfer.Scp;

/// <summary>A shell's matching of one name for scp downloads: <see cref="NamePattern"/>, plus the shell's rule that a leading '.' is matched only literally.</summary>
internal static class Wildcard
{
    public static bool Matches(string pattern, string name) =>
        (!name.StartsWith('.') || pattern.StartsWith('.')) && NamePattern.Matches(name, pattern);
}
