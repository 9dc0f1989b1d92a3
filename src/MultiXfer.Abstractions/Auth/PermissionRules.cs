using MultiXfer.Fsio;

namespace MultiXfer.Auth;

/// <summary>
/// Per-path permissions of one user: the rule with the longest path that contains the target applies, so a
/// rule for "/pub" covers "/pub" and everything beneath it. A read-only user never gets a write permission.
/// </summary>
public sealed class PermissionRules
{
    private readonly (VirtualPath Path, Permission Granted)[] _rules;

    public PermissionRules(IEnumerable<(VirtualPath Path, Permission Granted)> rules, bool readOnly)
    {
        var mask = readOnly ? ~Permission.Writes : Permission.All;
        _rules = rules.OrderByDescending(r => r.Path.Value.Length).Select(r => (r.Path, r.Granted & mask)).ToArray();
        if (!_rules.Any(r => r.Path.IsRoot))
        {
            _rules = [.. _rules, (VirtualPath.Root, Permission.Default & mask)];
        }

        IsUniform = _rules.Length == 1;
    }

    public static PermissionRules Everything { get; } = new([], readOnly: false);

    /// <summary>True when one rule covers the whole tree, so where a path really lives cannot change the answer.</summary>
    public bool IsUniform { get; }

    public Permission For(VirtualPath path)
    {
        foreach (var (rulePath, granted) in _rules)
        {
            if (path.IsSameOrUnder(rulePath))
            {
                return granted;
            }
        }

        return Permission.None;
    }

    public bool Allows(VirtualPath path, Permission needed) => (For(path) & needed) == needed;
}
