using System.Security.Cryptography;
using System.Text;

namespace MultiXfer.Auth.Passwords;

/// <summary>
/// MD5-crypt (Poul-Henning Kamp's FreeBSD scheme, <c>$1$</c>) and Apache's variant with its own magic (<c>$apr1$</c>,
/// htpasswd -m), as <c>openssl passwd -1/-apr1</c> write them: a salt of up to 8 characters and 1000 fixed rounds of
/// MD5. Weak by today's measure, so verify-only and always upgraded at the next login.
/// </summary>
public sealed class Md5CryptPassword : StoredPassword
{
    private const int MaxSaltChars = 8;
    private const int DigestChars = 22;

    /// <summary>The scheme's byte order for the final encoding.</summary>
    private static readonly int[] Order = [0, 6, 12, 1, 7, 13, 2, 8, 14, 3, 9, 15, 4, 10, 5, 11];

    private readonly string _magic;
    private readonly string _salt;
    private readonly string _digest;

    private Md5CryptPassword(string encoded, string magic, string salt, string digest)
        : base(encoded)
    {
        _magic = magic;
        _salt = salt;
        _digest = digest;
    }

    public override string Scheme => _magic == "$apr1$" ? "apr1-md5" : "md5-crypt";

    public override bool NeedsUpgrade => true;

    public static bool TryParse(string encoded, out StoredPassword? parsed, out string problem)
    {
        parsed = null;
        problem = "malformed; expected $1$ or $apr1$, a salt of up to 8 characters, $ and 22 characters";
        string? magic = encoded.StartsWith("$1$", StringComparison.Ordinal) ? "$1$"
            : encoded.StartsWith("$apr1$", StringComparison.Ordinal) ? "$apr1$" : null;
        if (magic is null)
        {
            return false;
        }

        string rest = encoded[magic.Length..];
        if (!CryptBase64.TrySplit(rest, MaxSaltChars, DigestChars, out string salt, out string digest))
        {
            return false;
        }

        parsed = new Md5CryptPassword(encoded, magic, salt, digest);
        problem = "";
        return true;
    }

    public override bool Verify(string password)
    {
        string computed = Compute(Encoding.UTF8.GetBytes(password), _magic, Encoding.UTF8.GetBytes(_salt));
        return CryptBase64.Matches(computed, _digest);
    }

    /// <summary>The digest part only, in crypt base64.</summary>
    private static string Compute(byte[] password, string magic, byte[] salt)
    {
        byte[] alternate = MD5.HashData([.. password, .. salt, .. password]);
        using var context = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        context.AppendData(password);
        context.AppendData(Encoding.ASCII.GetBytes(magic));
        context.AppendData(salt);
        for (int left = password.Length; left > 0; left -= 16)
        {
            context.AppendData(alternate, 0, Math.Min(left, 16));
        }

        // For each bit of the length: a zero byte for a one bit, the password's first byte for a zero bit.
        for (int bits = password.Length; bits > 0; bits >>= 1)
        {
            context.AppendData((bits & 1) != 0 ? [0] : password.AsSpan(0, 1));
        }

        byte[] final = context.GetHashAndReset();
        for (int i = 0; i < 1000; i++)
        {
            context.AppendData((i & 1) != 0 ? password : final);
            if (i % 3 != 0)
            {
                context.AppendData(salt);
            }

            if (i % 7 != 0)
            {
                context.AppendData(password);
            }

            context.AppendData((i & 1) != 0 ? final : password);
            final = context.GetHashAndReset();
        }

        return CryptBase64.Encode(final, Order);
    }
}
