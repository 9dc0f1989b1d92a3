using MultiXfer.Auth;
using MultiXfer.Auth.Accounts;
using MultiXfer.Server.Admin;
using MultiXfer.Server.Configuration;

namespace MultiXfer.Server.Cli;

/// <summary>One user found in an import source: what to create, or why it cannot be imported.</summary>
internal sealed record ImportCandidate(string Name, AccountSpec? Spec, string? Problem);

/// <summary>
/// Reads users from where they live today, keeping their passwords: ProFTPD's AuthUserFile (ftpasswd), an Apache
/// htpasswd file, and a MultiXfer configuration's Users section. Hashes are kept as they are and verified by the
/// matching scheme; a scheme that cannot be verified safely is reported, not imported.
/// </summary>
internal static class AccountImport
{
    public const long MaxFileBytes = 64L * 1024 * 1024;
    private const int MaxLineChars = 8192;

    /// <summary>
    /// ftpasswd's format is passwd(5)'s: name:hash:uid:gid:gecos:home:shell. Homes are host paths; they become paths
    /// inside <paramref name="dataRoot"/>, and one outside it is a problem to fix (--data-root) rather than a guess.
    /// </summary>
    public static IEnumerable<ImportCandidate> FromFtpasswd(string text, string dataRoot)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataRoot));
        foreach (var (number, line) in Lines(text))
        {
            string[] fields = line.Split(':');
            if (fields.Length != 7)
            {
                yield return new ImportCandidate($"line {number}", null, "not name:hash:uid:gid:gecos:home:shell");
                continue;
            }

            string name = fields[0];
            if (HashProblem(fields[1]) is { } problem)
            {
                yield return new ImportCandidate(name, null, problem);
                continue;
            }

            string home = Path.TrimEndingDirectorySeparator(fields[5]);
            string? virtualHome = home == root ? "/" : home.StartsWith(root + "/", StringComparison.Ordinal) ? home[root.Length..] : null;
            yield return virtualHome is null
                ? new ImportCandidate(name, null, $"home {fields[5]} is not inside the data root {root} (pass --data-root)")
                : new ImportCandidate(name, new AccountSpec { Name = name, PasswordHash = fields[1], Home = virtualHome, Description = fields[4] }, null);
        }
    }

    /// <summary>htpasswd: name:hash, one per line; homes are the default /NAME.</summary>
    public static IEnumerable<ImportCandidate> FromHtpasswd(string text)
    {
        foreach (var (number, line) in Lines(text))
        {
            int colon = line.IndexOf(':');
            if (colon <= 0)
            {
                yield return new ImportCandidate($"line {number}", null, "not name:hash");
                continue;
            }

            string name = line[..colon];
            string hash = line[(colon + 1)..];
            yield return HashProblem(hash) is { } problem
                ? new ImportCandidate(name, null, problem)
                : new ImportCandidate(name, new AccountSpec { Name = name, PasswordHash = hash }, null);
        }
    }

    /// <summary>The top-level Users of a MultiXfer configuration file, every setting kept.</summary>
    public static IEnumerable<ImportCandidate> FromConfiguration(string file)
    {
        var settings = MultiXferSettings.Bind(ConfigurationSources.Build(["--config", file]));
        foreach (var (name, options) in settings.Users)
        {
            yield return new ImportCandidate(name, AccountSpec.From(Account.FromUserOptions(name, options)), null);
        }
    }

    public static string ReadSource(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: no such file");
        }

        return info.Length > MaxFileBytes ? throw new InvalidDataException($"{path}: larger than {MaxFileBytes} bytes") : File.ReadAllText(path);
    }

    private static string? HashProblem(string hash) =>
        hash.StartsWith("{SHA}", StringComparison.Ordinal) ? "unsalted SHA-1 ({SHA}) is too weak to keep; set a new password for this user"
        : hash is "*" or "!" or "x" || hash.StartsWith('!') ? "the account is locked in the source (no usable hash)"
        : PasswordHasher.TryParse(hash, out _, out string problem) ? null
        : hash.Length == 13 ? "traditional DES crypt is not accepted; set a new password for this user"
        : problem;

    private static IEnumerable<(int Number, string Line)> Lines(string text)
    {
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            yield return (number, line.Length > MaxLineChars ? line[..MaxLineChars] : line);
        }
    }
}
