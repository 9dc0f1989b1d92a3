using System.Net;

namespace MultiXfer.Auth.Accounts;

/// <summary>When a stored account may log in at all: not disabled, not expired, from an allowed network.</summary>
public sealed record LoginPolicy(bool Disabled, DateTimeOffset? ExpiresAt, IReadOnlyList<IPNetwork> AllowedNetworks)
{
    public static LoginPolicy For(Account account) => new(account.Disabled, account.ExpiresAt,
        [.. account.AllowedNetworks.Select(n => IPNetwork.Parse(n))]);

    /// <summary>Why the login is refused (for the log, never for the client), or null when it may go ahead.</summary>
    public string? RefusalFor(IPAddress client, DateTimeOffset now) =>
        Disabled ? "account disabled"
        : ExpiresAt is { } expiry && now >= expiry ? "account expired"
        : AllowedNetworks.Count > 0 && !AllowedNetworks.Any(n => n.Contains(client)) ? "source address not in the account's allowed networks"
        : null;
}
