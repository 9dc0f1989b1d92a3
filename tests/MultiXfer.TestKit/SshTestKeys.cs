namespace MultiXfer.TestKit;

/// <summary>
/// SSH key material for tests, made once per test run by the real ssh-keygen (so loading OpenSSH's own formats is
/// exercised everywhere): host keys every test server starts with, and client keys the test users log in with.
/// </summary>
public static class SshTestKeys
{
    /// <summary>Host key files as ssh-keygen -A names them, and the ssh-keygen arguments that make each.</summary>
    public static readonly IReadOnlyList<(string File, string[] Arguments)> HostKeys =
    [
        ("ssh_host_ed25519_key", ["-t", "ed25519"]),
        ("ssh_host_rsa_key", ["-t", "rsa", "-b", "3072"]),
        ("ssh_host_ecdsa_key", ["-t", "ecdsa", "-b", "256"]),
        ("ssh_host_ecdsa384_key", ["-t", "ecdsa", "-b", "384"]),
        ("ssh_host_ecdsa521_key", ["-t", "ecdsa", "-b", "521"]),
    ];

    /// <summary>Client key kinds: file name and ssh-keygen arguments.</summary>
    public static readonly IReadOnlyList<(string File, string[] Arguments)> ClientKeys =
    [
        ("id_ed25519", ["-t", "ed25519"]),
        ("id_rsa", ["-t", "rsa", "-b", "3072"]),
        ("id_ecdsa", ["-t", "ecdsa", "-b", "256"]),
    ];

    private static readonly Lazy<string> HostTemplate = new(() => Generate("mx-test-hostkeys-", HostKeys));

    private static readonly Lazy<string> ClientDirectory = new(() => Generate("mx-test-clientkeys-", ClientKeys));

    /// <summary>Copies the default host keys (ed25519 and RSA, the files an unconfigured server loads) into a keys directory.</summary>
    public static void CopyHostKeys(string keysDirectory, bool includeEcdsa = false)
    {
        foreach (var (file, _) in HostKeys.Where(k => includeEcdsa || !k.File.Contains("ecdsa", StringComparison.Ordinal)))
        {
            foreach (string suffix in new[] { "", ".pub" })
            {
                string target = Path.Combine(keysDirectory, file + suffix);
                File.Copy(Path.Combine(HostTemplate.Value, file + suffix), target, overwrite: true);
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    /// <summary>A host key's public line ("ssh-ed25519 AAAA... comment") from the template.</summary>
    public static string HostPublicKey(string file) => File.ReadAllText(Path.Combine(HostTemplate.Value, file + ".pub")).Trim();

    /// <summary>The private key file of a client key kind ("id_ed25519"), mode 0600 as ssh insists.</summary>
    public static string ClientKey(string file) => Path.Combine(ClientDirectory.Value, file);

    public static string ClientPublicKey(string file) => File.ReadAllText(ClientKey(file) + ".pub").Trim();

    /// <summary>A fresh key pair in a directory of its own, for tests that need a key nobody authorized.</summary>
    public static string GenerateKey(string directory, string file, params string[] arguments)
    {
        string path = Path.Combine(directory, file);
        Run(path, arguments);
        return path;
    }

    private static string Generate(string prefix, IReadOnlyList<(string File, string[] Arguments)> keys)
    {
        string directory = Directory.CreateTempSubdirectory(prefix).FullName;
        Parallel.ForEach(keys, key => Run(Path.Combine(directory, key.File), key.Arguments));
        return directory;
    }

    private static void Run(string path, string[] arguments)
    {
        var result = ProcessRunner.RunAsync("ssh-keygen", [.. arguments, "-q", "-N", "", "-C", Path.GetFileName(path), "-f", path])
            .GetAwaiter().GetResult();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh-keygen failed: {result}");
        }
    }
}
