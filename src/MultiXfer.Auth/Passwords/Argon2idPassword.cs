using System.Text;
using System.Text.RegularExpressions;

namespace MultiXfer.Auth.Passwords;

/// <summary>
/// Argon2id (RFC 9106) in the PHC string form <c>$argon2id$v=19$m=KIB,t=PASSES,p=LANES$SALT$HASH</c>, computed by
/// libsodium through Geralt. New hashes use OWASP's second listed configuration, 12 MiB and 3 passes with one lane
/// (the same strength as 19 MiB with 2 passes): about 30 ms here, and less memory per concurrent login.
/// </summary>
public sealed partial class Argon2idPassword : StoredPassword
{
    public const int DefaultMemoryKiB = 12 * 1024;
    public const int DefaultPasses = 3;

    /// <summary>Imported hashes may cost at most this: 256 MiB and 16 passes (well above any published recommendation).</summary>
    private const int MaxMemoryKiB = 256 * 1024;
    private const int MaxPasses = 16;
    private const int MaxLanes = 16;

    private Argon2idPassword(string encoded, int memoryKiB, int passes)
        : base(encoded)
    {
        NeedsUpgrade = memoryKiB < DefaultMemoryKiB || passes < DefaultPasses;
    }

    public override string Scheme => "argon2id";

    public override bool NeedsUpgrade { get; }

    public static string Hash(string password)
    {
        var encoded = new char[Geralt.Argon2id.HashSize];
        Geralt.Argon2id.ComputeHash(encoded, Encoding.UTF8.GetBytes(password), DefaultPasses, DefaultMemoryKiB * 1024);
        return new string(encoded).TrimEnd('\0');
    }

    public static bool TryParse(string encoded, out StoredPassword? parsed, out string problem)
    {
        parsed = null;
        var match = Phc().Match(encoded);
        if (!match.Success)
        {
            problem = "malformed; expected $argon2id$v=19$m=KIB,t=PASSES,p=LANES$SALT$HASH";
            return false;
        }

        int memory = int.Parse(match.Groups["m"].ValueSpan, provider: null);
        int passes = int.Parse(match.Groups["t"].ValueSpan, provider: null);
        int lanes = int.Parse(match.Groups["p"].ValueSpan, provider: null);
        if (memory is < 8 or > MaxMemoryKiB || passes is < 1 or > MaxPasses || lanes is < 1 or > MaxLanes || memory < 8 * lanes)
        {
            problem = $"parameters out of range (m 8..{MaxMemoryKiB} KiB, t 1..{MaxPasses}, p 1..{MaxLanes})";
            return false;
        }

        parsed = new Argon2idPassword(encoded, memory, passes);
        problem = "";
        return true;
    }

    public override bool Verify(string password) => Geralt.Argon2id.VerifyHash(Encoded, Encoding.UTF8.GetBytes(password));

    /// <summary>Version 19 (0x13) only, as RFC 9106 defines; salt and hash in unpadded standard base64.</summary>
    [GeneratedRegex(@"^\$argon2id\$v=19\$m=(?<m>[0-9]{1,7}),t=(?<t>[0-9]{1,3}),p=(?<p>[0-9]{1,3})\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}$")]
    private static partial Regex Phc();
}
