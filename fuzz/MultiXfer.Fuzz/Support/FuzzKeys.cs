using System.Reflection;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Fuzz.Support;

/// <summary>
/// The fixed keys the harnesses use, made once with ssh-keygen (fuzz/MultiXfer.Fuzz/Keys, see fuzz/seeds.sh): client
/// keys of every type the server accepts, and host keys. Fixed rather than generated so that a seed or a crash
/// input carrying a key blob means the same key in every run.
/// </summary>
internal static class FuzzKeys
{
    /// <summary>Client keys, in the order the ssh-userauth records index them.</summary>
    public static IReadOnlyList<SshHostKey> Clients { get; } =
        [Load("client_ed25519"), Load("client_ecdsa256"), Load("client_ecdsa384"), Load("client_ecdsa521"), Load("client_rsa")];

    public static IReadOnlyList<string> ClientPublicLines { get; } =
        ["client_ed25519.pub", "client_ecdsa256.pub", "client_ecdsa384.pub", "client_ecdsa521.pub", "client_rsa.pub"];

    public static IReadOnlyList<SshHostKey> Hosts { get; } = [Load("host_ed25519"), Load("host_ecdsa256"), Load("host_rsa")];

    public static string Text(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("MultiXfer.Fuzz.Keys." + name)
            ?? throw new InvalidOperationException($"embedded key {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static SshHostKey Load(string name) => PrivateKeyFile.Load(Text(name));
}
