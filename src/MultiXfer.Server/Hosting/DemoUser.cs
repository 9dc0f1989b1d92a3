using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultiXfer.Auth;
using MultiXfer.Fsio;
using MultiXfer.Transport;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// With no users configured, the first start creates user "demo" with a random password, prints it once and keeps
/// only its hash in a state file under the data root; later starts reuse that hash.
/// </summary>
internal static class DemoUser
{
    public const string Name = "demo";
    private const string StateDirectory = ".multixfer";
    private const string StateFile = "state.json";

    public sealed class State
    {
        public string DemoPasswordHash { get; set; } = "";
    }

    /// <summary>Loads or creates the demo user; <paramref name="announce"/> receives the password on creation only.</summary>
    public static UserOptions Provision(string dataRoot, Action<string> announce)
    {
        string directory = Path.Combine(dataRoot, StateDirectory);
        string path = Path.Combine(directory, StateFile);
        using var provisioning = ExclusiveFileLock.Acquire(Path.Combine(directory, ".provision.lock"));
        if (File.Exists(path) &&
            JsonSerializer.Deserialize(File.ReadAllText(path), StateJson.Default.State) is { } existing &&
            PasswordHasher.TryParse(existing.DemoPasswordHash, out _, out _))
        {
            return Build(existing.DemoPasswordHash);
        }

        string password = RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
        string hash = PasswordHasher.Hash(password);
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new State { DemoPasswordHash = hash }, StateJson.Default.State));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
        announce(password);
        return Build(hash);
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
