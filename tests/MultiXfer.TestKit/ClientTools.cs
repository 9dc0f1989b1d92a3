namespace MultiXfer.TestKit;

/// <summary>
/// Finds the real client programs the interop tests drive. A missing client fails the test: in CI the README's
/// test command installs them. Only with MULTIXFER_SKIP_MISSING_CLIENTS=1 (a deliberate local switch) are tests
/// that need a missing client reported as skipped instead, see <see cref="ClientFactAttribute"/>.
/// </summary>
public static class ClientTools
{
    public const string SkipSwitch = "MULTIXFER_SKIP_MISSING_CLIENTS";

    /// <summary>Debian's own python3, which has the Debian packages (paramiko later); not a pyenv shim.</summary>
    public const string Python = "/usr/bin/python3";

    public static string? Find(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }

        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string Require(string name) =>
        Find(name) ?? throw new InvalidOperationException(
            $"client '{name}' is not installed; run the README's test command (it installs the clients) or set {SkipSwitch}=1 to skip locally");
}

/// <summary>A fact that needs real client programs. It is skipped only under the explicit local switch.</summary>
public sealed class ClientFactAttribute : Xunit.FactAttribute
{
    public ClientFactAttribute(params string[] clients)
    {
        if (Environment.GetEnvironmentVariable(ClientTools.SkipSwitch) == "1" && clients.FirstOrDefault(c => ClientTools.Find(c) is null) is { } missing)
        {
            Skip = $"{missing} is not installed and {ClientTools.SkipSwitch}=1";
        }
    }
}
