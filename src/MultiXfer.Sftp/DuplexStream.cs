using MultiXfer.Connections;

namespace MultiXfer.Sftp;

/// <summary>Reads from one stream and writes to another: standard input and output as one channel, flushed per write.</summary>
internal sealed class DuplexStream(Stream input, Stream output) : RelayStream(input, output)
{
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Output.WriteAsync(buffer, cancellationToken);
        await Output.FlushAsync(cancellationToken);
    }
}
