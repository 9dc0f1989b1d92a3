using System.Text;

namespace MultiXfer.Scp;

/// <summary>
/// The exec line of a legacy scp transfer ("scp [-r] [-p] [-d] [-v] [-q] [--] -t|-f PATH..."), parsed without any
/// shell: words split as a POSIX shell would split the quoting OpenSSH's scp produces ('...', "...", backslash), and
/// any line that would need a shell to mean what it says refused outright.
/// </summary>
internal sealed record ScpCommandLine(bool Sink, bool Recursive, bool PreserveTimes, bool TargetMustBeDirectory, IReadOnlyList<string> Paths)
{
    /// <summary>What only a shell could act on: command separators, substitutions, redirections.</summary>
    private static readonly string[] ShellOnly = [";", "`", "$(", "${", "|", "&&", "<", ">", "\n", "\r"];

    public const int MaxLength = 8192;

    public static ScpCommandLine Parse(string line)
    {
        if (line.Length > MaxLength)
        {
            throw new ScpUsageException("command line too long");
        }

        foreach (string token in ShellOnly)
        {
            if (line.Contains(token, StringComparison.Ordinal))
            {
                throw new ScpUsageException($"shell syntax ('{token.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)}') is not accepted: there is no shell here");
            }
        }

        var words = Split(line);
        if (words.Count == 0 || Path.GetFileName(words[0]) != "scp")
        {
            throw new ScpUsageException("only scp is offered");
        }

        bool? sink = null;
        bool recursive = false, preserve = false, directory = false, optionsEnded = false;
        var paths = new List<string>();
        foreach (string word in words.Skip(1))
        {
            if (optionsEnded || word.Length < 2 || word[0] != '-')
            {
                if (word.Length == 0)
                {
                    throw new ScpUsageException("empty path");
                }

                paths.Add(word);
                continue;
            }

            if (word == "--")
            {
                optionsEnded = true;
                continue;
            }

            foreach (char option in word.AsSpan(1))
            {
                switch (option)
                {
                    case 't' or 'f':
                        if (sink is not null)
                        {
                            throw new ScpUsageException("exactly one of -t and -f");
                        }

                        sink = option == 't';
                        break;
                    case 'r': recursive = true; break;
                    case 'p': preserve = true; break;
                    case 'd': directory = true; break;
                    case 'v' or 'q': break;
                    default: throw new ScpUsageException($"unknown option -{option}");
                }
            }
        }

        if (sink is null)
        {
            throw new ScpUsageException("neither -t (upload) nor -f (download)");
        }

        if (paths.Count == 0 || (sink.Value && paths.Count != 1))
        {
            throw new ScpUsageException(sink.Value ? "-t takes exactly one target" : "-f needs at least one path");
        }

        return new ScpCommandLine(sink.Value, recursive, preserve, directory, paths);
    }

    private static List<string> Split(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            switch (c)
            {
                case ' ' or '\t':
                    if (inWord)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                        inWord = false;
                    }

                    break;
                case '\'':
                    int close = line.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new ScpUsageException("unterminated quote");
                    }

                    current.Append(line, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    i = DoubleQuoted(line, i + 1, current);
                    inWord = true;
                    break;
                case '\\':
                    if (i + 1 >= line.Length)
                    {
                        throw new ScpUsageException("trailing backslash");
                    }

                    current.Append(line[++i]);
                    inWord = true;
                    break;
                default:
                    if (c == '&')
                    {
                        // Unquoted, '&' would send the command to the background; quoted ("R&D") it is a name.
                        throw new ScpUsageException("unquoted '&' needs a shell: there is none here");
                    }

                    if (c == '$')
                    {
                        // A variable would need a shell to expand. (Leading '~' and globs in a download's last path
                        // segment are expanded by this server itself, without one.)
                        throw new ScpUsageException("unquoted '$' needs a shell: there is none here");
                    }

                    current.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>Inside "...", a backslash escapes only $ ` " \ (POSIX 2.2.3); '$' and '`' themselves were refused earlier.</summary>
    private static int DoubleQuoted(string line, int start, StringBuilder current)
    {
        for (int i = start; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"')
            {
                return i;
            }

            if (c == '\\' && i + 1 < line.Length && line[i + 1] is '$' or '`' or '"' or '\\')
            {
                current.Append(line[++i]);
                continue;
            }

            if (c == '$')
            {
                throw new ScpUsageException("'$' inside double quotes needs a shell: there is none here");
            }

            current.Append(c);
        }

        throw new ScpUsageException("unterminated quote");
    }
}

/// <summary>An exec line this server will not run.</summary>
internal sealed class ScpUsageException(string message) : Exception(message);
