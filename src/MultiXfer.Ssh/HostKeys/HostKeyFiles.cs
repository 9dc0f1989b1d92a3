using MultiXfer.Ssh.Algorithms;

namespace MultiXfer.Ssh.HostKeys;

/// <summary>
/// Which host key files to load. Unset, they are OpenSSH's names in the keys directory: ed25519 and RSA, plus an
/// ECDSA key per curve when some listener enables that ECDSA algorithm. Missing files inside the keys directory are
/// generated, their kind told by the name as ssh-keygen -A names them; missing files elsewhere are an error.
/// </summary>
internal static class HostKeyFiles
{
    public static List<HostKeyFile> Resolve(SshOptions options, string keysDirectory, IEnumerable<AlgorithmPolicy> policies)
    {
        if (options.HostKeys is { } configured)
        {
            return configured.Select((path, i) => new HostKeyFile(path, $"Ssh:HostKeys:{i}",
                IsInside(path, keysDirectory) ? KindFromName(Path.GetFileName(path)) : null)).ToList();
        }

        var enabled = policies.SelectMany(p => p.HostKeys).Select(h => h.Name).ToHashSet();
        var files = new List<HostKeyFile>
        {
            Default(keysDirectory, "ssh_host_ed25519_key", "ed25519"),
            Default(keysDirectory, "ssh_host_rsa_key", "rsa"),
        };
        if (enabled.Contains("ecdsa-sha2-nistp256"))
        {
            files.Add(Default(keysDirectory, "ssh_host_ecdsa_key", "ecdsa-nistp256"));
        }

        if (enabled.Contains("ecdsa-sha2-nistp384"))
        {
            files.Add(Default(keysDirectory, "ssh_host_ecdsa384_key", "ecdsa-nistp384"));
        }

        if (enabled.Contains("ecdsa-sha2-nistp521"))
        {
            files.Add(Default(keysDirectory, "ssh_host_ecdsa521_key", "ecdsa-nistp521"));
        }

        return files;
    }

    private static HostKeyFile Default(string keysDirectory, string name, string kind) =>
        new(Path.Combine(keysDirectory, name), "Ssh:HostKeys", kind);

    /// <summary>ssh_host_ed25519_key, ssh_host_rsa_key, ssh_host_ecdsa_key (P-256), ..._ecdsa384_key, ..._ecdsa521_key.</summary>
    private static string? KindFromName(string name) =>
        name.Contains("ed25519", StringComparison.Ordinal) ? "ed25519"
        : name.Contains("ecdsa521", StringComparison.Ordinal) ? "ecdsa-nistp521"
        : name.Contains("ecdsa384", StringComparison.Ordinal) ? "ecdsa-nistp384"
        : name.Contains("ecdsa", StringComparison.Ordinal) ? "ecdsa-nistp256"
        : name.Contains("rsa", StringComparison.Ordinal) ? "rsa"
        : null;

    private static bool IsInside(string file, string directory)
    {
        string full = Path.GetFullPath(file);
        string root = Path.GetFullPath(directory).TrimEnd('/') + "/";
        return full.StartsWith(root, StringComparison.Ordinal);
    }
}
