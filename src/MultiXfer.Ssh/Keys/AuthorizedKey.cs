using System.Net;

namespace MultiXfer.Ssh.Keys;

/// <summary>One usable line of an authorized_keys file: the key, its restricting options and its comment.</summary>
internal sealed class AuthorizedKey(SshPublicKey key, AuthorizedKeyOptions options, string comment)
{
    public SshPublicKey Key { get; } = key;

    public AuthorizedKeyOptions Options { get; } = options;

    /// <summary>Free text after the key (often user@host), for logs; empty when absent.</summary>
    public string Comment { get; } = comment;

    /// <summary>
    /// Whether the key may be used now from <paramref name="client"/>: within expiry-time (sshd allows the expiry
    /// second itself) and matching from=.
    /// </summary>
    public bool Permits(IPAddress client, DateTimeOffset now) =>
        (Options.ExpiryTime is not { } expiry || now <= expiry) && (Options.From is not { } from || from.Matches(client));
}
