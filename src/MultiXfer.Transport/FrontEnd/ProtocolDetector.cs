using System.Net.Sockets;
using System.Text;
using MultiXfer.Connections;
using MultiXfer.Transport.Proxy;

namespace MultiXfer.Transport.FrontEnd;

/// <summary>Listeners:NAME with Protocol "auto": which protocols it may route to and how long it looks.</summary>
/// <param name="Silence">A client that sends nothing for this long waits for the server to speak: FTP.</param>
/// <param name="Timeout">All first bytes needed to decide must arrive within this, or the connection is closed.</param>
public sealed record DetectionPolicy(IReadOnlySet<string> Allowed, TimeSpan Silence, TimeSpan Timeout);

/// <summary>
/// The protocol chosen for a connection, or why none was and what that counts as for per-source penalties: a client
/// that just closes (a TCP health check) did nothing wrong, one that dribbles let its time run out, garbage is a
/// protocol error.
/// </summary>
public readonly record struct Detection(string? Protocol, string? Refusal, LoginFailure Failure = LoginFailure.ProtocolError);

/// <summary>
/// Routes a connection on an "auto" listener by what the client does first, reading nothing the protocol needs:
/// a TLS record header of a handshake (0x16 0x03, RFC 8446 §5.1) is implicit FTPS, "SSH-" is SSH (RFC 4253 §4.2:
/// the client may send its identification at once), and silence is an FTP client waiting for the 220 greeting
/// (RFC 959 §5.4). Anything else is closed. At most <see cref="MaxBytes"/> bytes are ever looked at.
/// </summary>
public static class ProtocolDetector
{
    public const string Ftp = "ftp";
    public const string ImplicitFtps = "ftps-implicit";
    public const string Ssh = "ssh";

    /// <summary>The most any decision needs: "SSH-".</summary>
    public const int MaxBytes = 4;

    private static readonly byte[] SshPrefix = "SSH-"u8.ToArray();

    /// <param name="peerStayedSilent">The PROXY stage already waited out the silence.</param>
    public static async Task<Detection> DetectAsync(Socket socket, DetectionPolicy policy, bool peerStayedSilent,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(policy.Timeout);
        try
        {
            if (peerStayedSilent || await SocketPeek.StaysSilentAsync(socket, policy.Silence, deadline.Token))
            {
                return Allow(Ftp, policy);
            }

            var buffer = new byte[MaxBytes];
            int queued = 0;
            while (true)
            {
                queued = await SocketPeek.PeekAsync(socket, buffer, queued + 1, deadline.Token);
                if (queued == 0)
                {
                    return new Detection(null, "closed before sending anything recognisable", LoginFailure.NoAuthentication);
                }

                if (Classify(buffer.AsSpan(0, queued)) is { } decision)
                {
                    return decision.Protocol is { } protocol ? Allow(protocol, policy) : decision;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Detection(null, $"first bytes incomplete after {policy.Timeout.TotalMilliseconds:0} ms", LoginFailure.GraceExceeded);
        }
    }

    /// <summary>The decision the bytes seen so far allow, or null when more are needed.</summary>
    public static Detection? Classify(ReadOnlySpan<byte> first)
    {
        if (first[0] == 0x16)
        {
            return first.Length < 2 ? null : first[1] == 0x03 ? new Detection(ImplicitFtps, null) : Garbage(first);
        }

        if (first[0] == (byte)'S')
        {
            int compared = Math.Min(first.Length, SshPrefix.Length);
            if (!first[..compared].SequenceEqual(SshPrefix.AsSpan(0, compared)))
            {
                return Garbage(first);
            }

            return compared == SshPrefix.Length ? new Detection(Ssh, null) : null;
        }

        if (ProxyHeaderParser.CouldBeHeader(first))
        {
            return first.Length < MaxBytes ? null : new Detection(null, "a PROXY header, which this listener does not accept from this address");
        }

        return Garbage(first);
    }

    private static Detection Allow(string protocol, DetectionPolicy policy) =>
        policy.Allowed.Contains(protocol) ? new Detection(protocol, null) : new Detection(null, $"{protocol} is not allowed on this listener");

    private static Detection Garbage(ReadOnlySpan<byte> first) =>
        new(null, $"unrecognised first bytes {Convert.ToHexString(first)} ({Printable(first)})");

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        }

        return text.ToString();
    }
}
