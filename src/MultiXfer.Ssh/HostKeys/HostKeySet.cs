using MultiXfer.Ssh.Algorithms;
using MultiXfer.Ssh.Certificates;
using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.HostKeys;

/// <summary>
/// The host keys and host certificates in force at one moment. A connection keeps the set it started with, so a
/// rekey signs with the key the client already verified; new connections pick up a reloaded set.
/// </summary>
internal sealed class HostKeySet(IReadOnlyList<SshHostKey> keys, IReadOnlyList<SshCertificate> certificates,
    IReadOnlyList<SshHostKey>? rotating = null)
{
    public IReadOnlyList<SshHostKey> Keys { get; } = keys;

    /// <summary>
    /// Keys in a rotation: staged (next) or retiring (previous). Announced with hostkeys-00 and proven on request so
    /// that clients with UpdateHostKeys learn the next key before it signs, and keep the previous one until it is
    /// retired; never used to sign a key exchange.
    /// </summary>
    public IReadOnlyList<SshHostKey> Rotating { get; } = rotating ?? [];

    /// <summary>Every key the server announces after authentication: in service first, then those in rotation.</summary>
    public IEnumerable<SshHostKey> Announced => Keys.Concat(Rotating);

    /// <summary>Host certificates, each certifying one of <see cref="Keys"/>.</summary>
    public IReadOnlyList<SshCertificate> Certificates { get; } = certificates;

    /// <summary>
    /// The key that signs for <paramref name="algorithm"/> and the K_S blob it is presented with: the first key of the
    /// type (RFC 4253 §7.1: one key per host key algorithm), or for a certificate algorithm the first certified key of
    /// the type with its certificate. Null when this set cannot serve the algorithm.
    /// </summary>
    public (SshHostKey Key, byte[] Blob)? For(HostKeyAlgorithm algorithm)
    {
        foreach (var key in Keys.Where(k => k.KeyType == algorithm.KeyType))
        {
            if (!algorithm.Certified)
            {
                return (key, key.PublicKey.Blob);
            }

            if (Certificates.FirstOrDefault(c => c.Key.Equals(key.PublicKey)) is { } certificate)
            {
                return (key, certificate.Blob);
            }
        }

        return null;
    }
}

/// <summary>The current host key set, replaced as a whole on reload.</summary>
internal sealed class HostKeyStore
{
    private volatile HostKeySet _current = new([], []);

    public HostKeySet Current => _current;

    public void Replace(HostKeySet keys) => _current = keys;
}
