using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.UserAuth;

/// <summary>
/// Which keys and certificates log in as whom: users' authorized keys (with their cert-authority lines),
/// Ssh:TrustedUserCAKeys and Ssh:TrustedUserCAKeysFile for certificates of any user whose principals name them, and
/// Ssh:RevokedKeysFile, which overrides all of them. The rules are sshd's (sshd_config(5), PROTOCOL.certkeys); where
/// sshd would use a key without enforcing something, this server refuses it.
/// </summary>
internal sealed partial class UserKeyPolicy
{
    private const long MaxCaFileBytes = 1024 * 1024;

    /// <summary>A KRL of a large CA stays well below this; a text list is capped at 1 MiB by its parser.</summary>
    private const long MaxRevokedFileBytes = 16 * 1024 * 1024;

    private readonly IReadOnlySet<string> _caSignatureAlgorithms;
    private readonly IReadOnlyList<SshPublicKey> _configuredAuthorities;
    private readonly WatchedFile<IReadOnlyList<SshPublicKey>>? _authorityFile;
    private readonly WatchedFile<RevokedKeys>? _revokedFile;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public UserKeyPolicy(SshOptions options, TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        AuthorizedKeys = new AuthorizedKeyStore(options.MinimumRsaKeyBits, time, logger);
        _caSignatureAlgorithms = options.CaSignatureAlgorithmSet;
        _configuredAuthorities = ParseAuthorities(string.Join('\n', options.TrustedUserCAKeys), options.MinimumRsaKeyBits);
        int minimumRsaBits = options.MinimumRsaKeyBits;
        _authorityFile = string.IsNullOrWhiteSpace(options.TrustedUserCAKeysFile) ? null
            : new WatchedFile<IReadOnlyList<SshPublicKey>>(options.TrustedUserCAKeysFile, MaxCaFileBytes,
                bytes => ParseAuthorities(Encoding.UTF8.GetString(bytes), minimumRsaBits));
        _revokedFile = string.IsNullOrWhiteSpace(options.RevokedKeysFile) ? null
            : new WatchedFile<RevokedKeys>(options.RevokedKeysFile, MaxRevokedFileBytes, RevokedKeys.Parse);
    }

    public AuthorizedKeyStore AuthorizedKeys { get; }

    /// <summary>Problems with Ssh:TrustedUserCAKeys, each naming its configuration key.</summary>
    public static List<string> Validate(SshOptions options)
    {
        var problems = new List<string>();
        for (int i = 0; i < options.TrustedUserCAKeys.Count; i++)
        {
            try
            {
                ParseAuthorities(options.TrustedUserCAKeys[i], options.MinimumRsaKeyBits);
            }
            catch (FormatException e)
            {
                problems.Add($"{SshOptions.Section}:TrustedUserCAKeys:{i}: {e.Message}");
            }
        }

        return problems;
    }

    /// <summary>Why <paramref name="key"/> may not log in as anyone, or null: only revocation decides that for a plain key.</summary>
    public string? RefusalOf(SshPublicKey key) => Revoked(revoked => revoked.IsRevoked(key));

    /// <summary>
    /// Why <paramref name="certificate"/> may not log in as anyone from <paramref name="client"/> now, or null. What
    /// depends on the account (its CAs and principals) is <see cref="Grant(UserAccount, SshCertificate, IPAddress, out string)"/>.
    /// </summary>
    public string? RefusalOf(SshCertificate certificate, IPAddress client)
    {
        var now = _time.GetUtcNow();
        var options = certificate.Options;
        return certificate.Kind != SshCertificate.UserCertificate ? "it is not a user certificate"
            : !certificate.SignatureVerifies(_caSignatureAlgorithms) ? "the CA signature does not verify with an allowed algorithm"
            : !certificate.IsValidAt(now) ? (certificate.ValidAfter > (ulong)Math.Max(0, now.ToUnixTimeSeconds()) ? "it is not yet valid" : "it has expired")
            : options.Unknown.Count > 0 ? $"it has critical option {options.Unknown[0]}, which this server does not support"
            : options.SourceAddress is { } source && !source.Matches(client) ? $"its source-address {source} does not admit {client}"
            : options.ForceCommand is { } command && command != AuthorizedKeyOptions.InternalSftp
                ? $"its force-command \"{MultiXfer.Connections.LogText.Clean(command)}\" is not something this server can run (only {AuthorizedKeyOptions.InternalSftp})"
            : Revoked(revoked => revoked.IsRevoked(certificate));
    }

    /// <summary>What <paramref name="key"/> may do as <paramref name="account"/> from <paramref name="client"/>; null when it may not log in.</summary>
    public KeyGrant? Grant(UserAccount account, SshPublicKey key, IPAddress client) =>
        AuthorizedKeys.FindKey(account, key, client) is { } line ? new KeyGrant(line.Options.ForceCommand is not null) : null;

    /// <summary>
    /// sshd's order: a CA from Ssh:TrustedUserCAKeys[File] admits a certificate naming one of the account's
    /// AuthorizedPrincipals (default: its name); then each cert-authority line of the account admits one naming one
    /// of the line's principals=, or without that option one naming the user or no principal at all, as sshd allows there.
    /// </summary>
    public KeyGrant? Grant(UserAccount account, SshCertificate certificate, IPAddress client, out string refusal)
    {
        bool sftpOnly = certificate.Options.ForceCommand is not null;
        bool trusted = TrustedAuthorities().Contains(certificate.SignatureKey);
        if (trusted && certificate.Principals.Any((account.AuthorizedPrincipals ?? [account.Name]).Contains))
        {
            refusal = "";
            return new KeyGrant(sftpOnly);
        }

        bool anyLine = false;
        foreach (var line in AuthorizedKeys.FindAuthorities(account, certificate.SignatureKey, client))
        {
            anyLine = true;
            // sshd's check_authkey_line: principals= must be matched by name; without it the user name must be
            // listed, unless the certificate lists no principal at all (PROTOCOL.certkeys: valid for any).
            bool admitted = line.Options.Principals is { } principals
                ? certificate.Principals.Any(principals.Contains)
                : certificate.Principals.Count == 0 || certificate.Principals.Contains(account.Name);
            if (admitted)
            {
                refusal = "";
                return new KeyGrant(sftpOnly || line.Options.ForceCommand is not null);
            }
        }

        refusal = trusted || anyLine
            ? $"it names none of the principals allowed for {account.Name}"
            : $"its CA {certificate.SignatureKey.Fingerprint} is not trusted for {account.Name}";
        return null;
    }

    private IEnumerable<SshPublicKey> TrustedAuthorities()
    {
        if (_authorityFile is null)
        {
            return _configuredAuthorities;
        }

        var state = _authorityFile.Read();
        if (state.Fresh && state.Problem is { } problem)
        {
            LogAuthorityFileUnusable(problem);
        }

        return _configuredAuthorities.Concat(state.Value ?? []);
    }

    /// <summary>
    /// Null when not revoked. A revoked keys file that is missing or cannot be parsed refuses every key, as sshd does:
    /// failing open would readmit exactly the keys someone took the trouble to revoke.
    /// </summary>
    private string? Revoked(Func<RevokedKeys, bool> isRevoked)
    {
        if (_revokedFile is null)
        {
            return null;
        }

        var state = _revokedFile.Read();
        if (state.Value is not { } revoked)
        {
            if (state.Fresh)
            {
                LogRevokedFileUnusable(state.Problem!);
            }

            return $"Ssh:RevokedKeysFile cannot be used ({state.Problem}), so no key is accepted";
        }

        return isRevoked(revoked) ? "it is revoked by Ssh:RevokedKeysFile" : null;
    }

    /// <summary>CA keys, one per line in authorized_keys format without options; throws <see cref="FormatException"/>.</summary>
    private static IReadOnlyList<SshPublicKey> ParseAuthorities(string text, int minimumRsaBits)
    {
        var parsed = Keys.AuthorizedKeys.Parse(text, minimumRsaBits);
        if (parsed.Problems.Count > 0)
        {
            throw new FormatException(parsed.Problems[0].ToString());
        }

        return parsed.Keys.All(k => k.Options == AuthorizedKeyOptions.None)
            ? parsed.Keys.Select(k => k.Key).ToList()
            : throw new FormatException("a trusted CA key takes no options (sshd's TrustedUserCAKeys format is one key per line)");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Ssh:TrustedUserCAKeysFile not used: {Problem}")]
    private partial void LogAuthorityFileUnusable(string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ssh:RevokedKeysFile cannot be used, every public key login is refused until it is fixed: {Problem}")]
    private partial void LogRevokedFileUnusable(string problem);
}

/// <summary>What a key or certificate login may do: everything the account may, or SFTP only (force-command, command=).</summary>
internal sealed record KeyGrant(bool SftpOnly);
