namespace MultiXfer.Sftp.Wire;

/// <summary>
/// A request that cannot be parsed (draft -13 §9.1 SSH_FX_BAD_MESSAGE): lengths beyond the packet, counts that
/// overflow, trailing garbage where none may be. The request gets that status; the session lives on.
/// </summary>
internal sealed class SftpBadMessageException(string message) : Exception(message);

/// <summary>
/// Framing that cannot be recovered from (a packet length over the limit or under 5, a request before INIT):
/// nothing later on the stream can be trusted, so the session ends, as OpenSSH's sftp-server does.
/// </summary>
internal sealed class SftpFatalProtocolException(string message) : Exception(message);
