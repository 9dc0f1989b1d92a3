using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.UserAuth;

/// <summary>
/// The keys each user may log in with: the lines from their configuration entry (parsed once) and their
/// authorized_keys file (parsed again whenever its size or modification time changes, so an operator's edit takes
/// effect on the next login without a restart).
/// </summary>
internal sealed partial class AuthorizedKeyStore(int minimumRsaBits, TimeProvider time, ILogger logger)
{
    private const long MaxFileBytes = 1024 * 1024;

    private readonly ConditionalWeakTable<UserAccount, IReadOnlyList<AuthorizedKey>> _configured = new();
    private readonly ConcurrentDictionary<string, ParsedFile> _files = new(StringComparer.Ordinal);

    public bool IsAuthorized(UserAccount user, SshPublicKey key, IPAddress client)
    {
        var now = time.GetUtcNow();
        return Configured(user).Any(Matches) || FromFile(user).Any(Matches);

        bool Matches(AuthorizedKey entry) => entry.Key.Equals(key) && entry.Permits(client, now);
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

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return [];
        }

        var stamp = (info.Length, info.LastWriteTimeUtc);
        if (_files.TryGetValue(path, out var cached) && cached.Stamp == stamp)
        {
            return cached.Keys;
        }

        if (info.Length > MaxFileBytes)
        {
            LogFileTooLarge(path, MaxFileBytes);
            return [];
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFileUnreadable(path, e.Message);
            return [];
        }

        var result = AuthorizedKeys.Parse(text, minimumRsaBits);
        foreach (var problem in result.Problems)
        {
            LogFileLineIgnored(path, problem.ToString());
        }

        _files[path] = new ParsedFile(stamp, result.Keys);
        return result.Keys;
    }

    private sealed record ParsedFile((long Length, DateTime Modified) Stamp, IReadOnlyList<AuthorizedKey> Keys);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Users:{User}:AuthorizedKeys: entry ignored: {Problem}")]
    private partial void LogConfiguredKeyIgnored(string user, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "authorized keys file {Path}: line ignored: {Problem}")]
    private partial void LogFileLineIgnored(string path, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "authorized keys file {Path} is larger than {Limit} bytes and was not read")]
    private partial void LogFileTooLarge(string path, long limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "authorized keys file {Path} cannot be read: {Reason}")]
    private partial void LogFileUnreadable(string path, string reason);
}
