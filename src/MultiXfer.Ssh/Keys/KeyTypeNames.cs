namespace MultiXfer.Ssh.Keys;

/// <summary>Key type and signature algorithm names as they appear on the wire.</summary>
internal static class KeyTypeNames
{
    /// <summary>RFC 8709 §4: key type and signature algorithm share the name.</summary>
    public const string Ed25519 = "ssh-ed25519";

    /// <summary>RFC 4253 §6.6: the RSA key type, and the SHA-1 signature algorithm of the same name.</summary>
    public const string Rsa = "ssh-rsa";

    /// <summary>RFC 8332 §3: RSA signatures over SHA-256 and SHA-512 with the same "ssh-rsa" keys.</summary>
    public const string RsaSha256 = "rsa-sha2-256";

    public const string RsaSha512 = "rsa-sha2-512";

    /// <summary>
    /// The key type that signs with <paramref name="signatureAlgorithm"/>: RFC 8332 §3's rsa-sha2-* use "ssh-rsa" keys,
    /// every other algorithm names its key type.
    /// </summary>
    public static string KeyTypeOf(string signatureAlgorithm) => signatureAlgorithm is RsaSha256 or RsaSha512 ? Rsa : signatureAlgorithm;

    /// <summary>Longest name we read; every name above and the ECDSA ones are shorter.</summary>
    public const int MaxNameLength = 64;
}
