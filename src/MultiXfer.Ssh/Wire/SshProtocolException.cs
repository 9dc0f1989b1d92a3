namespace MultiXfer.Ssh.Wire;

/// <summary>
/// A peer broke the protocol or a limit. The connection loop catches it once, sends SSH_MSG_DISCONNECT with
/// <see cref="Reason"/> and the message as description, and closes.
/// </summary>
internal sealed class SshProtocolException(DisconnectReason reason, string message) : Exception(message)
{
    public DisconnectReason Reason { get; } = reason;

    public static SshProtocolException Malformed(string what) => new(DisconnectReason.ProtocolError, $"malformed {what}");
}
