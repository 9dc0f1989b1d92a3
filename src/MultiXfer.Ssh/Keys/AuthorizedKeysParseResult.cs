namespace MultiXfer.Ssh.Keys;

/// <summary>The usable keys of an authorized_keys text and, for the log, every line that was refused and why.</summary>
internal sealed record AuthorizedKeysParseResult(IReadOnlyList<AuthorizedKey> Keys, IReadOnlyList<AuthorizedKeysProblem> Problems);
