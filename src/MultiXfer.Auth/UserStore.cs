using MultiXfer.Fsio;

namespace MultiXfer.Auth;

/// <summary>
/// A user as the authenticator sees it: the account, its stored password hash, and for stored accounts when it may
/// log in at all (configured users have no such policy).
/// </summary>
public sealed record UserRecord(UserAccount Account, Passwords.StoredPassword? Password, Accounts.LoginPolicy? Policy = null);

/// <summary>
/// Where the authenticator finds accounts by exact name. Asynchronous because an account store behind it may be a
/// database (seams: accounts behind an async store); the configuration's users answer at once.
/// </summary>
public interface IUserDirectory
{
    /// <summary>The account and its password hash, or null for a name nobody has.</summary>
    ValueTask<UserRecord?> FindAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// A successful login of <paramref name="user"/>; <paramref name="upgradedPasswordHash"/> is its password hashed in
    /// the current scheme when the stored hash was older. Directories that cannot write ignore both.
    /// </summary>
    ValueTask RecordLoginAsync(UserRecord user, string? upgradedPasswordHash, CancellationToken cancellationToken);
}

/// <summary>The users from configuration (plus the generated demo user on a first start), looked up by exact name.</summary>
public sealed class UserStore : IUserDirectory
{
    private readonly Dictionary<string, UserRecord> _users;

    public UserStore(IEnumerable<UserRecord> users)
    {
        _users = users.ToDictionary(u => u.Account.Name, StringComparer.Ordinal);
    }

    public int Count => _users.Count;

    public ValueTask<UserRecord?> FindAsync(string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_users.GetValueOrDefault(name));

    public bool Contains(string name) => _users.ContainsKey(name);

    /// <summary>Configuration is read-only at run time: an old hash there stays until an operator replaces it.</summary>
    public ValueTask RecordLoginAsync(UserRecord user, string? upgradedPasswordHash, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    /// <summary>
    /// Letters, digits and . _ - @, not starting with a dot: "." or ".." would make the default home (/NAME) the
    /// data root itself, and names starting with a dot are hidden.
    /// </summary>
    public static bool IsValidUserName(string name) =>
        name.Length is > 0 and <= 64 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');

    /// <summary>
    /// Checks every user entry and returns one message per problem, each naming its configuration key
    /// (<c>Users:alice:Home</c>), so a bad configuration stops start-up with something an operator can fix.
    /// </summary>
    public static List<string> Validate(IReadOnlyDictionary<string, UserOptions> users) =>
        [.. users.SelectMany(user => ProblemsOf(user.Key, user.Value)
            .Select(p => p.Field.Length == 0 ? $"Users:{user.Key}: {p.Message}" : $"Users:{user.Key}:{p.Field}: {p.Message}"))];

    /// <summary>
    /// What is wrong with one user entry, each problem with the field it concerns ("" for the name itself): the
    /// configuration names it Users:NAME:FIELD, the admin API returns it in problem details.
    /// </summary>
    public static IEnumerable<(string Field, string Message)> ProblemsOf(string name, UserOptions user)
    {
        if (!IsValidUserName(name))
        {
            yield return ("", "user names are 1-64 characters of letters, digits, '.', '_', '-', '@', not starting with '.'");
        }

        bool hasKeys = user.AuthorizedKeys.Count > 0 || !string.IsNullOrWhiteSpace(user.AuthorizedKeysFile) || user.AuthorizedPrincipals is not null;
        if (!(hasKeys && user.PasswordHash.Length == 0) && !PasswordHasher.TryParse(user.PasswordHash, out _, out string hashProblem))
        {
            yield return ("PasswordHash", hashProblem);
        }

        if (user.AuthorizedPrincipals is { } principals && principals.Any(string.IsNullOrWhiteSpace))
        {
            yield return ("AuthorizedPrincipals", "names must not be empty");
        }

        if (user.Home is { } home && (!home.StartsWith('/') || !VirtualPath.TryResolve(VirtualPath.Root, home, out _, out _)))
        {
            yield return ("Home", $"must be an absolute path inside Server:DataRoot, such as /{name}");
        }

        foreach (string protocol in user.Protocols)
        {
            if (!MultiXfer.Auth.Protocols.All.Contains(protocol))
            {
                yield return ("Protocols", $"unknown protocol '{protocol}' (known: {string.Join(", ", MultiXfer.Auth.Protocols.All)})");
            }
        }

        foreach (var (path, granted) in user.Permissions)
        {
            if (!path.StartsWith('/') || !VirtualPath.TryResolve(VirtualPath.Root, path, out _, out _))
            {
                yield return ("Permissions", $"'{path}' is not an absolute path");
            }

            foreach (string word in SplitPermissions(granted))
            {
                if (!PermissionNames.TryParse(word, out _))
                {
                    yield return ($"Permissions:{path}", $"unknown permission '{word}' (known: {string.Join(", ", PermissionNames.Known)})");
                }
            }
        }

        foreach (var (limit, value) in user.Limits.Values())
        {
            if (value is < 0)
            {
                yield return ($"Limits:{limit}", "must not be negative (0 or left out: no limit)");
            }
        }
    }

    /// <summary>
    /// Builds a record from an entry that <see cref="Validate"/> accepted. A virtual host passes its storage and
    /// its SFTP settings, which the user's own SFTP settings override member by member.
    /// </summary>
    /// <param name="site">The virtual host whose storage <paramref name="storage"/> is: the account's usage there is its own
    /// (the same name on the default storage is another root, with another quota).</param>
    public static UserRecord FromOptions(string name, UserOptions options, IFileSystemProvider? storage = null,
        MultiXfer.Connections.SftpOverrideOptions? siteSftp = null, string? site = null)
    {
        var hash = PasswordHasher.TryParse(options.PasswordHash, out var parsed, out _) ? parsed : null;
        var rules = options.Permissions.Select(rule => (
            VirtualPath.Resolve(VirtualPath.Root, rule.Key),
            SplitPermissions(rule.Value).Aggregate(Permission.None, (all, word) =>
                PermissionNames.TryParse(word, out var p) ? all | p : all)));
        var account = new UserAccount
        {
            Name = name,
            Home = VirtualPath.Resolve(VirtualPath.Root, options.Home ?? "/" + name),
            ReadOnly = options.ReadOnly,
            Protocols = options.Protocols.ToHashSet(StringComparer.Ordinal),
            Permissions = new PermissionRules(rules, options.ReadOnly),
            AuthorizedKeys = [.. options.AuthorizedKeys],
            AuthorizedKeysFile = string.IsNullOrWhiteSpace(options.AuthorizedKeysFile) ? null : options.AuthorizedKeysFile,
            AuthorizedPrincipals = options.AuthorizedPrincipals is { } principals ? [.. principals] : null,
            Storage = storage,
            Limits = options.Limits,
            UsageKey = storage is null || site is null ? name : $"{name}@{site}",
            Sftp = siteSftp is null ? options.Sftp : new MultiXfer.Connections.SftpOverrideOptions
            {
                MaxVersion = options.Sftp?.MaxVersion ?? siteSftp.MaxVersion,
                Extensions = options.Sftp?.Extensions ?? siteSftp.Extensions,
            },
        };
        return new UserRecord(account, hash);
    }

    private static IEnumerable<string> SplitPermissions(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
