namespace MultiXfer.Ssh.Wire;

/// <summary>
/// A peer broke the protocol or a limit. The connection loop catches it once, sends SSH_MSG_DISCONNECT with
/// <see cref="Reason"/> and the message as description, and closes.
/// </summary>
internal class SshProtocolException(DisconnectReason reason, string message) : Exception(message)
{
    public DisconnectReason Reason { get; } = reason;

    public static SshProtocolException Malformed(string what) => new(DisconnectReason.ProtocolError, $"malformed {what}");
}

/// <summary>Negotiation found no algorithm of some kind that both sides offer (RFC 4253 §7.1): the key exchange cannot start.</summary>
internal sealed class NoCommonAlgorithmException(string message) : SshProtocolException(DisconnectReason.KeyExchangeFailed, message);
