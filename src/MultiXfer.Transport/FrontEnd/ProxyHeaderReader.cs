using System.Buffers;
using System.Net;
using System.Net.Sockets;
using MultiXfer.Connections;
using MultiXfer.Transport.Proxy;

namespace MultiXfer.Transport.FrontEnd;

/// <summary>What the start of a connection said about its origin.</summary>
/// <param name="Client">The address the proxy relayed for, or null when the connection speaks for itself.</param>
/// <param name="Refusal">Why the connection must be closed, or null.</param>
/// <param name="PeerStayedSilent">The peer sent nothing during the wait (protocol detection need not wait again).</param>
public sealed record ProxyOutcome(IPEndPoint? Client, string? Refusal, bool PeerStayedSilent, string? Description)
{
    public static readonly ProxyOutcome Direct = new(null, null, false, null);
}

/// <summary>
/// Reads a PROXY protocol header (HAProxy proxy-protocol.txt, versions 1 and 2) at the start of a control or
/// data connection, as the listener's <see cref="ProxyPolicy"/> allows, and consumes exactly its bytes.
/// </summary>
public static class ProxyHeaderReader
{
    public static async Task<ProxyOutcome> ReadAsync(Socket socket, IPAddress peer, ProxyPolicy policy, CancellationToken cancellationToken)
    {
        if (policy.Mode == ProxyProtocolMode.Off)
        {
            return ProxyOutcome.Direct;
        }

        if (!policy.Trusts(peer))
        {
            // Optional: a direct client. What it sends is checked by detection or by its protocol, and a header
            // from it is refused there (proxy-protocol.txt §1: never accept one from an untrusted source).
            return policy.Mode == ProxyProtocolMode.Required
                ? new ProxyOutcome(null, $"PROXY protocol required and {peer} is not a trusted proxy", false, null)
                : ProxyOutcome.Direct;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(policy.HeaderTimeout);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ProxyPolicy.MaxHeaderLength);
        try
        {
            if (policy.Mode == ProxyProtocolMode.Optional && await SocketPeek.StaysSilentAsync(socket, policy.Silence, deadline.Token))
            {
                return ProxyOutcome.Direct with { PeerStayedSilent = true };
            }

            return await ParseAsync(socket, buffer.AsMemory(0, ProxyPolicy.MaxHeaderLength), policy, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProxyOutcome(null, $"no complete PROXY header within {policy.HeaderTimeout.TotalSeconds:0.#} s", false, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<ProxyOutcome> ParseAsync(Socket socket, Memory<byte> buffer, ProxyPolicy policy, CancellationToken deadline)
    {
        int queued = 0;
        while (true)
        {
            queued = await SocketPeek.PeekAsync(socket, buffer, queued + 1, deadline);
            if (queued == 0)
            {
                return new ProxyOutcome(null, "closed before a PROXY header", false, null);
            }

            var seen = buffer.Span[..queued];
            if (!ProxyHeaderParser.CouldBeHeader(seen))
            {
                // A trusted proxy's own direct connection (optional mode), or a proxy configured without it.
                return policy.Mode == ProxyProtocolMode.Optional
                    ? ProxyOutcome.Direct
                    : new ProxyOutcome(null, "PROXY protocol required but the connection did not start with a header", false, null);
            }

            switch (ProxyHeaderParser.TryParse(seen, ProxyPolicy.MaxHeaderLength, out var header, out string? error))
            {
                case ProxyParseStatus.Invalid:
                    return new ProxyOutcome(null, $"invalid PROXY header: {error}", false, null);
                case ProxyParseStatus.Complete:
                    await SocketPeek.DiscardAsync(socket, header!.Length, deadline);
                    return Accept(header);
                case ProxyParseStatus.NeedMoreData when queued >= buffer.Length:
                    return new ProxyOutcome(null, $"PROXY header longer than {ProxyPolicy.MaxHeaderLength} bytes", false, null);
            }
        }
    }

    private static ProxyOutcome Accept(ProxyHeader header)
    {
        // LOCAL (health checks) and addresses the proxy could not express: the connection speaks for itself
        // (proxy-protocol.txt §2.1 "UNKNOWN", §2.2 LOCAL and AF_UNSPEC).
        if (header.Command == ProxyCommand.Local || header.Source is null)
        {
            return new ProxyOutcome(null, null, false, $"PROXY v{header.Version} without a client address (LOCAL or UNKNOWN)");
        }

        var client = new IPEndPoint(ConnectionContext.Normalize(header.Source.Address), header.Source.Port);
        return new ProxyOutcome(client, null, false, $"PROXY v{header.Version}: client {client}, proxy destination {header.Destination}");
    }
}
