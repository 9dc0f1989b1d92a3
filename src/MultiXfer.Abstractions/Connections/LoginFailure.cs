namespace MultiXfer.Connections;

/// <summary>
/// How a connection failed to log in, reported by its protocol. When the connection ends unauthenticated, the worst
/// of these (the highest value) decides the per-source penalty its client address earns.
/// </summary>
public enum LoginFailure
{
    /// <summary>It never authenticated and nothing worse happened (a probe, a scanner, a client that gave up).</summary>
    NoAuthentication,
    /// <summary>A password, key or keyboard-interactive attempt was refused.</summary>
    AuthenticationFailed,
    /// <summary>The login grace time (SSH) or login timeout (FTP) ran out.</summary>
    GraceExceeded,
    /// <summary>The client broke the protocol before logging in (bad packets, bad identification, garbage commands).</summary>
    ProtocolError,
}
