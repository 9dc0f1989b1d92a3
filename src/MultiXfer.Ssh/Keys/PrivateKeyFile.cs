using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// Host key files: reads OpenSSH's own format and the PEM formats ssh-keygen and OpenSSL write, writes OpenSSH's
/// format (what <c>ssh-keygen</c> itself writes by default) and the one-line public key of <c>ssh-keygen -y</c>.
/// </summary>
internal static class PrivateKeyFile
{
    /// <summary>A 16384-bit RSA key is about 13 KiB of text; anything far larger is not a key file.</summary>
    public const int MaxFileChars = 64 * 1024;

    public const string EncryptedProblem =
        "the private key is protected by a passphrase, which a server starting unattended cannot ask for; " +
        "remove the passphrase with `ssh-keygen -p -f <file>` (enter an empty new passphrase) and keep the file mode 0600";

    /// <summary>Like <see cref="TryLoad"/>, throwing <see cref="InvalidDataException"/> with the problem.</summary>
    public static SshHostKey Load(ReadOnlySpan<char> text, int minimumRsaBits = SshPublicKey.DefaultMinimumRsaBits) =>
        TryLoad(text, out var key, out string problem, minimumRsaBits) ? key : throw new InvalidDataException(problem);

    /// <summary>
    /// Loads the first key in <paramref name="text"/>. Everything a file claims is checked, and the key must sign a probe
    /// its own public key verifies, so a damaged file fails here rather than in every client's key exchange.
    /// </summary>
    public static bool TryLoad(
        ReadOnlySpan<char> text,
        [NotNullWhen(true)] out SshHostKey? key,
        out string problem,
        int minimumRsaBits = SshPublicKey.DefaultMinimumRsaBits)
    {
        key = null;
        if (text.Length > MaxFileChars)
        {
            problem = $"key file longer than {MaxFileChars} characters";
            return false;
        }

        byte[] data = [];
        SshHostKey? loaded = null;
        try
        {
            (string label, data) = PemArmor.Decode(text);
            loaded = label switch
            {
                OpenSshKeyFormat.Label => OpenSshKeyFormat.Read(data),
                PemKeyFormat.EncryptedPkcs8Label => throw new FormatException(EncryptedProblem),
                _ when PemKeyFormat.IsPemLabel(label) => PemKeyFormat.Read(label, data),
                _ => throw new FormatException($"unsupported key file type \"{label}\""),
            };
            CheckUsable(loaded, minimumRsaBits);
            key = loaded;
            problem = "";
            return true;
        }
        catch (Exception e) when (e is FormatException or SshProtocolException or CryptographicException or AsnContentException)
        {
            loaded?.Dispose();
            problem = e.Message;
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    /// <summary>The key in OpenSSH's format, unencrypted, as <c>ssh-keygen -N ''</c> would write it.</summary>
    public static string Write(SshHostKey key, string comment)
    {
        CheckComment(comment);
        return OpenSshKeyFormat.Write(key, comment);
    }

    /// <summary>"type base64 [comment]", the line of <c>ssh-keygen -y</c> and of authorized_keys files.</summary>
    public static string PublicKeyLine(SshPublicKey key, string comment)
    {
        CheckComment(comment);
        string line = $"{key.KeyType} {Convert.ToBase64String(key.Blob)}";
        return comment.Length == 0 ? line : $"{line} {comment}";
    }

    private static void CheckUsable(SshHostKey key, int minimumRsaBits)
    {
        if (!SshPublicKey.TryParse(key.PublicKey.Blob, out _, out string problem, minimumRsaBits))
        {
            throw new FormatException(problem);
        }

        var probe = "MultiXfer host key self-test"u8;
        string algorithm = key.SignatureAlgorithms[0];
        if (!key.PublicKey.Verify(probe, key.Sign(algorithm, probe), new HashSet<string> { algorithm }))
        {
            throw new FormatException("the private key does not match its public key");
        }
    }

    /// <summary>A line break would end the public key line early; other control characters only confuse logs.</summary>
    private static void CheckComment(string comment)
    {
        if (comment.Any(char.IsControl))
        {
            throw new ArgumentException("a key comment must not contain control characters", nameof(comment));
        }
    }
}
