using System.Net.Sockets;

namespace MultiXfer.Transport.FrontEnd;

/// <summary>
/// Looks at a connection's first bytes without taking them (MSG_PEEK), so the protocol that is chosen reads its
/// own bytes from the socket as if nothing had looked, with no wrapper stream left in the data path.
/// </summary>
internal static class SocketPeek
{
    /// <summary>How often a peer that sent part of what is needed is looked at again until the rest arrives.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Waits until at least <paramref name="minimum"/> bytes are queued (or the buffer is full) and copies them
    /// into <paramref name="buffer"/> without consuming them. Returns the count copied: 0 when the peer closed.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="deadline"/> passed first.</exception>
    public static async Task<int> PeekAsync(Socket socket, Memory<byte> buffer, int minimum, CancellationToken deadline)
    {
        minimum = Math.Min(minimum, buffer.Length);
        while (true)
        {
            // A zero-byte receive completes when data (or the FIN) is queued, without taking any.
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, deadline);
            int queued = await socket.ReceiveAsync(buffer, SocketFlags.Peek, deadline);
            if (queued == 0 || queued >= minimum)
            {
                return queued;
            }

            // Part has arrived: readability stays signalled, so wait a moment instead of spinning.
            await Task.Delay(Recheck, deadline);
        }
    }

    /// <summary>True when the peer sends nothing within <paramref name="silence"/> (an FTP client waits for the server).</summary>
    public static async Task<bool> StaysSilentAsync(Socket socket, TimeSpan silence, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(silence);
        try
        {
            // A one-byte peek, not a zero-byte receive: on Linux a pending zero-byte receive completes on any readiness
            // notification without looking at the socket, and a late one for bytes already taken (a PROXY header's last
            // segment, its notification still queued on a busy thread pool) would end the silence with nothing queued.
            // The peek completes only when a byte or the FIN is really there, and takes nothing.
            await socket.ReceiveAsync(new byte[1], SocketFlags.Peek, wait.Token);
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }

    /// <summary>Takes <paramref name="count"/> bytes that a peek has already shown to be queued.</summary>
    public static async Task DiscardAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var scratch = new byte[count];
        int taken = 0;
        while (taken < count)
        {
            int read = await socket.ReceiveAsync(scratch.AsMemory(taken), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("the connection closed inside a PROXY header");
            }

            taken += read;
        }
    }
}
