namespace MultiXfer.Auth.Passwords;

/// <summary>
/// bcrypt as OpenBSD, htpasswd -B and PHP write it (<c>$2a$</c>, <c>$2b$</c>, <c>$2y$</c>, cost, 22 + 31 characters),
/// verified with BCrypt.Net-Next; always upgraded at the next login. Only the first 72 bytes of a password count, as
/// in every bcrypt: the tool that made the hash dropped the rest too, so the user's password keeps working.
/// </summary>
public sealed class BcryptPassword : StoredPassword
{
    /// <summary>Cost 16 is about 5 s here; anything above is a mistake or an attack on login time.</summary>
    private const int MaxCost = 16;

    private BcryptPassword(string encoded)
        : base(encoded)
    {
    }

    public override string Scheme => "bcrypt";

    public override bool NeedsUpgrade => true;

    public static bool TryParse(string encoded, out StoredPassword? parsed, out string problem)
    {
        parsed = null;
        bool shaped = encoded.Length == 60 && encoded[0] == '$' && encoded[1] == '2' && encoded[2] is 'a' or 'b' or 'y' && encoded[3] == '$'
            && encoded[6] == '$' && char.IsAsciiDigit(encoded[4]) && char.IsAsciiDigit(encoded[5])
            && encoded.AsSpan(7).IndexOfAnyExcept("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") < 0;
        int cost = shaped ? ((encoded[4] - '0') * 10) + encoded[5] - '0' : 0;
        if (!shaped || cost is < 4 or > MaxCost)
        {
            problem = shaped ? $"bcrypt cost {cost} is outside 4..{MaxCost}" : "malformed; expected $2a$, $2b$ or $2y$, a cost and 53 characters";
            return false;
        }

        parsed = new BcryptPassword(encoded);
        problem = "";
        return true;
    }

    public override bool Verify(string password) => BCrypt.Net.BCrypt.Verify(password, Encoded);
}
