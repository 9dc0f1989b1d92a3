using MultiXfer.Fsio;

namespace MultiXfer.Auth;

/// <summary>An authenticated user: where their root is and what they may do there.</summary>
public sealed class UserAccount
{
    public required string Name { get; init; }

    /// <summary>The user's root, a path inside the storage root (Server:DataRoot). The user sees it as '/'.</summary>
    public required VirtualPath Home { get; init; }

    public bool ReadOnly { get; init; }

    public bool IsAnonymous { get; init; }

    public required IReadOnlySet<string> Protocols { get; init; }

    public required PermissionRules Permissions { get; init; }

    public bool MayUse(string protocol) => Protocols.Contains(protocol);
}
