namespace MultiXfer.Ssh.Algorithms;

/// <summary>
/// A server host key algorithm as KEXINIT names it: the key type that makes it, the signature algorithm of the
/// exchange hash (RFC 8332 §3: rsa-sha2-256 and rsa-sha2-512 sign with "ssh-rsa" keys), and whether K_S is the key's
/// OpenSSH certificate rather than the key itself (PROTOCOL.certkeys).
/// </summary>
internal sealed record HostKeyAlgorithm(string Name, string KeyType, string SignatureAlgorithm, bool Certified = false);
