namespace MultiXfer.Auth.Passwords;

/// <summary>
/// A password hash as stored, in any scheme this server reads: its own (Argon2id, the default for new hashes, and
/// PBKDF2-SHA512, its earlier default) and the ones accounts bring from elsewhere (bcrypt, SHA-crypt, MD5-crypt).
/// Parsing bounds every cost parameter, so an imported hash can never make one login cost minutes.
/// </summary>
public abstract class StoredPassword(string encoded)
{
    /// <summary>The hash as stored; a changed password changes it (the password cache keys on it).</summary>
    public string Encoded { get; } = encoded;

    /// <summary>The scheme's name as <c>hash-password --algorithm</c> and logs use it.</summary>
    public abstract string Scheme { get; }

    /// <summary>Whether a successful login should replace this hash with a new default one.</summary>
    public abstract bool NeedsUpgrade { get; }

    /// <summary>Recomputes the hash of <paramref name="password"/> and compares in constant time.</summary>
    public abstract bool Verify(string password);
}
