namespace MultiXfer.Ssh.Algorithms;

/// <summary>
/// A server host key algorithm as KEXINIT names it: a signature algorithm and the key type that makes it
/// (RFC 8332 §3: rsa-sha2-256 and rsa-sha2-512 sign with "ssh-rsa" keys).
/// </summary>
internal sealed record HostKeyAlgorithm(string Name, string KeyType);
