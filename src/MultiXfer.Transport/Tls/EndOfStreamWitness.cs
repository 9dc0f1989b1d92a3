using MultiXfer.Connections;

namespace MultiXfer.Transport.Tls;

/// <summary>
/// Sits under an SslStream and remembers whether the connection itself ended. SslStream reports 0 both for the
/// peer's close_notify and for a bare TCP FIN at a record boundary; only the first means the peer finished. A
/// protected upload that ends without close_notify may have been cut short by anyone on the path who can inject a
/// FIN, so it must not be committed (the case vsftpd's strict_ssl_read_eof closes).
/// </summary>
public sealed class EndOfStreamWitness(Stream inner) : RelayStream(inner)
{
    /// <summary>True once the stream underneath returned end of stream.</summary>
    public bool SawEndOfStream { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await Input.ReadAsync(buffer, cancellationToken);
        if (n == 0 && buffer.Length > 0)
        {
            SawEndOfStream = true;
        }

        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Input.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => Input.DisposeAsync();
}
