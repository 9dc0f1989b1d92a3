using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Transport;

/// <summary>The peer sent SSH_MSG_DISCONNECT (RFC 4253 §11.1); nothing is sent back.</summary>
internal sealed class PeerDisconnectedException(DisconnectReason reason, string description)
    : Exception($"peer disconnected ({reason}): {description}")
{
    public DisconnectReason Reason { get; } = reason;
}
