using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

/// <summary>
/// Keys made once by ssh-keygen for every supported type, each also rewritten by ssh-keygen as PEM (PKCS#1 or SEC 1)
/// and PKCS#8. ssh-keygen 9.2 writes Ed25519 only in its own format.
/// </summary>
public sealed class KeygenKeys : IDisposable
{
    public static readonly string[] Kinds = ["ed25519", "ecdsa-256", "ecdsa-384", "ecdsa-521", "rsa-2048", "rsa-3072"];

    private readonly TempDirectory _directory = new();

    public KeygenKeys()
    {
        foreach (string kind in Kinds)
        {
            string[] parts = kind.Split('-');
            string path = _directory.Path(kind);
            var arguments = new List<string> { "-q", "-t", parts[0], "-N", "", "-C", $"{kind}@keygen", "-f", path };
            if (parts.Length == 2)
            {
                arguments.AddRange(["-b", parts[1]]);
            }

            Tool.SshKeygen([.. arguments]);
            if (kind != "ed25519")
            {
                foreach (string format in new[] { "PEM", "PKCS8" })
                {
                    string copy = _directory.Path($"{kind}.{format}");
                    File.Copy(path, copy);
                    Tool.SshKeygen("-q", "-p", "-m", format, "-P", "", "-N", "", "-f", copy);
                }
            }
        }
    }

    public static TheoryData<string, string> KindsAndFormats()
    {
        var data = new TheoryData<string, string>();
        foreach (string kind in Kinds)
        {
            data.Add(kind, "OPENSSH");
            if (kind != "ed25519")
            {
                data.Add(kind, "PEM");
                data.Add(kind, "PKCS8");
            }
        }

        return data;
    }

    public string PathOf(string kind, string format = "OPENSSH") => _directory.Path(format == "OPENSSH" ? kind : $"{kind}.{format}");

    public string TextOf(string kind, string format = "OPENSSH") => File.ReadAllText(PathOf(kind, format));

    public string WriteFile(string name, string text) => _directory.Write(name, text);

    public void Dispose() => _directory.Dispose();
}

[CollectionDefinition(Name)]
public sealed class KeygenCollection : ICollectionFixture<KeygenKeys>
{
    public const string Name = "ssh-keygen keys";
}
