using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.UserAuth;

/// <summary>
/// The keys each user may log in with: the lines from their configuration entry (parsed once) and their
/// authorized_keys file (parsed again whenever it changes, see <see cref="WatchedFile{T}"/>). Lines marked
/// cert-authority name CAs for that user's certificates and never log in themselves.
/// </summary>
internal sealed partial class AuthorizedKeyStore(int minimumRsaBits, TimeProvider time, ILogger logger)
{
    private const long MaxFileBytes = 1024 * 1024;

    private readonly ConditionalWeakTable<UserAccount, IReadOnlyList<AuthorizedKey>> _configured = new();
    private readonly ConcurrentDictionary<string, WatchedFile<AuthorizedKeysParseResult>> _files = new(StringComparer.Ordinal);

    /// <summary>The line that lets <paramref name="key"/> itself log in as <paramref name="user"/> from <paramref name="client"/> now.</summary>
    public AuthorizedKey? FindKey(UserAccount user, SshPublicKey key, IPAddress client) =>
        Permitted(user, client).FirstOrDefault(entry => !entry.Options.CertAuthority && entry.Key.Equals(key));

    /// <summary>The cert-authority lines of <paramref name="user"/> naming <paramref name="caKey"/>, usable from <paramref name="client"/> now.</summary>
    public IEnumerable<AuthorizedKey> FindAuthorities(UserAccount user, SshPublicKey caKey, IPAddress client) =>
        Permitted(user, client).Where(entry => entry.Options.CertAuthority && entry.Key.Equals(caKey));

    private IEnumerable<AuthorizedKey> Permitted(UserAccount user, IPAddress client)
    {
        var now = time.GetUtcNow();
        return Configured(user).Concat(FromFile(user)).Where(entry => entry.Permits(client, now));
    }

    private IReadOnlyList<AuthorizedKey> Configured(UserAccount user) => _configured.GetValue(user, account =>
    {
        var result = AuthorizedKeys.Parse(string.Join('\n', account.AuthorizedKeys), minimumRsaBits);
        foreach (var problem in result.Problems)
        {
            LogConfiguredKeyIgnored(account.Name, problem.ToString());
        }

        return result.Keys;
    });

    private IReadOnlyList<AuthorizedKey> FromFile(UserAccount user)
    {
        if (user.AuthorizedKeysFile is not { } path)
        {
            return [];
        }

        var file = _files.GetOrAdd(path, p => new WatchedFile<AuthorizedKeysParseResult>(p, MaxFileBytes,
            bytes => AuthorizedKeys.Parse(Encoding.UTF8.GetString(bytes), minimumRsaBits)));
        var state = file.Read();
        if (state.Fresh && state.Problem is { } problem && !state.Missing)
        {
            LogFileUnusable(problem);
        }

        foreach (var line in state.Fresh ? state.Value?.Problems ?? [] : [])
        {
            LogFileLineIgnored(path, line.ToString());
        }

        return state.Value?.Keys ?? [];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Users:{User}:AuthorizedKeys: entry ignored: {Problem}")]
    private partial void LogConfiguredKeyIgnored(string user, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "authorized keys file {Path}: line ignored: {Problem}")]
    private partial void LogFileLineIgnored(string path, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "authorized keys file not used: {Problem}")]
    private partial void LogFileUnusable(string problem);
}
