using MultiXfer.Ssh.Keys;

namespace MultiXfer.Ssh.HostKeys;

/// <summary>
/// The host keys in force at one moment. A connection keeps the set it started with, so a rekey signs with the
/// key the client already verified; new connections pick up a reloaded set.
/// </summary>
internal sealed class HostKeySet(IReadOnlyList<SshHostKey> keys)
{
    public IReadOnlyList<SshHostKey> Keys { get; } = keys;

    /// <summary>The first key of a type (RFC 4253 §7.1: one key per host key algorithm is used in an exchange).</summary>
    public SshHostKey? ForKeyType(string keyType) => Keys.FirstOrDefault(k => k.KeyType == keyType);
}

/// <summary>The current host key set, replaced as a whole on reload.</summary>
internal sealed class HostKeyStore
{
    private volatile HostKeySet _current = new([]);

    public HostKeySet Current => _current;

    public void Replace(HostKeySet keys) => _current = keys;
}
