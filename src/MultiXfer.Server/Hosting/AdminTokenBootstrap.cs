using MultiXfer.Accounts;
using MultiXfer.Server.Configuration;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// Admin:BootstrapTokenFile at start: the token in the file becomes the admin token "bootstrap" in the account store
/// before the API listens, so a container's first API call needs no shell in the container. The file is read once
/// per start; its secret is never logged.
/// </summary>
internal static class AdminTokenBootstrap
{
    public const string TokenName = "bootstrap";

    private const int MaxFileBytes = 1024;

    /// <returns>A start-up problem, or null.</returns>
    public static string? Apply(AdminOptions options, AccountDatabase database, Action<string> announce)
    {
        string file = options.BootstrapTokenFile;
        if (file.Length == 0)
        {
            return null;
        }

        string presented;
        try
        {
            // A token is under 128 characters; a larger file is the wrong file, and is not read into memory.
            if (new FileInfo(file).Length > MaxFileBytes)
            {
                return $"Admin:BootstrapTokenFile: {file} is larger than {MaxFileBytes} bytes, too large to hold one token";
            }

            presented = File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"Admin:BootstrapTokenFile: cannot read {file}: {e.Message}";
        }

        try
        {
            bool added = database.Admin.EnsureTokenAsync(TokenName, presented, CancellationToken.None).GetAwaiter().GetResult();
            if (added)
            {
                AdminTokenFormat.TryParse(presented, out string id, out _);
                announce($"admin token '{TokenName}' (id {id}) added from Admin:BootstrapTokenFile");
            }

            return null;
        }
        catch (FormatException e)
        {
            return $"Admin:BootstrapTokenFile: {file}: {e.Message}";
        }
        catch (System.Data.Common.DbException e)
        {
            return $"Admin:BootstrapTokenFile: cannot store the token: {e.Message}";
        }
    }
}
