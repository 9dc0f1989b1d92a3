using System.Net;

namespace MultiXfer.Auth.Accounts;

/// <summary>
/// Checks an account before it is stored. Each problem names its field as the API's JSON does (camelCase), so
/// problem details can point at exactly what to fix.
/// </summary>
public static class AccountValidator
{
    public const int MaxDescriptionLength = 1024;
    public const int MaxNetworks = 64;
    public const int MaxKeys = 100;

    public static Dictionary<string, string[]> Validate(Account account)
    {
        var problems = new List<(string Field, string Message)>(UserStore.ProblemsOf(account.Name, account.ToUserOptions()));
        for (int i = 0; i < account.AllowedNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(account.AllowedNetworks[i], out _))
            {
                problems.Add(($"AllowedNetworks[{i}]", $"'{account.AllowedNetworks[i]}' is not a network in CIDR form, such as 192.0.2.0/24"));
            }
        }

        if (account.AllowedNetworks.Count > MaxNetworks)
        {
            problems.Add(("AllowedNetworks", $"at most {MaxNetworks} networks"));
        }

        if (account.AuthorizedKeys.Count > MaxKeys)
        {
            problems.Add(("AuthorizedKeys", $"at most {MaxKeys} keys"));
        }

        if (account.Description.Length > MaxDescriptionLength)
        {
            problems.Add(("Description", $"at most {MaxDescriptionLength} characters"));
        }

        return problems
            .GroupBy(p => JsonFieldName(p.Field.Length == 0 ? "Name" : p.Field))
            .ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>"Limits:MaxSessions" → "limits.maxSessions", "Permissions:/pub" → "permissions./pub".</summary>
    private static string JsonFieldName(string field) =>
        string.Join('.', field.Split(':').Select(part => part.Length > 0 && char.IsAsciiLetterUpper(part[0]) ? char.ToLowerInvariant(part[0]) + part[1..] : part));
}
