namespace MultiXfer.Transport.Tls;

/// <summary>
/// Holds the certificate set new handshakes use. Rotation swaps the whole set at once: handshakes that already
/// started finish with the set they began with, connections already open keep their sessions.
/// </summary>
public sealed class CertificateStore
{
    private CertificateSet? _current;

    public CertificateSet? Current => Volatile.Read(ref _current);

    public void Replace(CertificateSet set) => Volatile.Write(ref _current, set);
}
