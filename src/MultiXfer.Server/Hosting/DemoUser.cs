using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultiXfer.Auth;
using MultiXfer.Auth.Accounts;
using MultiXfer.Transport;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// With no users configured and no stored accounts, the first start creates user "demo" with a random password and
/// prints it once; only its hash is kept: as a stored account (the default), or in the state file when accounts
/// come from configuration only. A marker keeps a demo the operator deleted from coming back on the next start.
/// </summary>
internal static class DemoUser
{
    public const string Name = "demo";
    private const string StateFile = "state.json";

    /// <summary>Where earlier builds kept the state, inside the data root; its hash is taken over so the password stays.</summary>
    private const string LegacyStateDirectory = ".multixfer";

    public sealed class State
    {
        public string DemoPasswordHash { get; set; } = "";

        public bool DemoStored { get; set; }
    }

    /// <summary>Creates the demo account in the store unless one was created before or accounts exist.</summary>
    public static async Task ProvisionAsync(IAccountStore store, string stateDirectory, string dataRoot, Action<string> announce,
        CancellationToken cancellationToken)
    {
        using var provisioning = ExclusiveFileLock.Acquire(Path.Combine(stateDirectory, ".provision.lock"));
        var state = Read(Path.Combine(stateDirectory, StateFile)) ?? Read(Path.Combine(dataRoot, LegacyStateDirectory, StateFile)) ?? new State();
        if (state.DemoStored || await store.CountAsync(cancellationToken) > 0)
        {
            return;
        }

        string? password = null;
        if (!PasswordHasher.TryParse(state.DemoPasswordHash, out _, out _))
        {
            password = NewPassword();
            state.DemoPasswordHash = PasswordHasher.Hash(password);
        }

        try
        {
            await store.CreateAsync(new Account { Name = Name, PasswordHash = state.DemoPasswordHash, Home = "/" + Name,
                Description = "created on the first start" }, cancellationToken);
        }
        catch (AccountConflictException)
        {
            // Another gateway sharing the database created it a moment ago.
            return;
        }

        Write(stateDirectory, new State { DemoStored = true });
        if (password is not null)
        {
            announce(password);
        }
    }

    /// <summary>Accounts from configuration only: the demo user lives in the state file.</summary>
    public static UserOptions ProvisionInStateFile(string stateDirectory, Action<string> announce)
    {
        using var provisioning = ExclusiveFileLock.Acquire(Path.Combine(stateDirectory, ".provision.lock"));
        if (Read(Path.Combine(stateDirectory, StateFile)) is { } existing && PasswordHasher.TryParse(existing.DemoPasswordHash, out _, out _))
        {
            return Build(existing.DemoPasswordHash);
        }

        string password = NewPassword();
        string hash = PasswordHasher.Hash(password);
        Write(stateDirectory, new State { DemoPasswordHash = hash });
        announce(password);
        return Build(hash);
    }

    private static string NewPassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);

    private static State? Read(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllText(path), StateJson.Default.State) : null;

    private static void Write(string directory, State state)
    {
        string path = Path.Combine(directory, StateFile);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, StateJson.Default.State));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    private static UserOptions Build(string hash) => new()
    {
        PasswordHash = hash,
        Home = "/" + Name,
    };
}

[JsonSerializable(typeof(DemoUser.State))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class StateJson : JsonSerializerContext;
