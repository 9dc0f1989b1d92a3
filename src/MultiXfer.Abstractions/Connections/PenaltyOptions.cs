namespace MultiXfer.Connections;

/// <summary>
/// The <c>Penalties</c> section: per-source penalties in the spirit of OpenSSH's PerSourcePenalties. A connection that
/// ends without logging in earns its client address (IPv6: prefix) seconds of penalty for the worst thing it did;
/// penalties add up, and an address whose outstanding penalty reaches <see cref="MinimumSeconds"/> is refused at
/// accept until it has served it, at most <see cref="MaximumSeconds"/>.
/// </summary>
public sealed class PenaltyOptions
{
    public const string Section = "Penalties";

    public bool Enabled { get; set; } = true;

    public int AuthenticationFailedSeconds { get; set; } = 5;

    public int NoAuthenticationSeconds { get; set; } = 1;

    public int GraceExceededSeconds { get; set; } = 10;

    public int ProtocolErrorSeconds { get; set; } = 10;

    public int MinimumSeconds { get; set; } = 15;

    public int MaximumSeconds { get; set; } = 600;

    /// <summary>Networks (CIDR or addresses) never penalised; the listeners' trusted proxies never are either.</summary>
    public List<string> Exempt { get; set; } = [];

    /// <summary>Bound on the table; past it, the entries that expire first make room.</summary>
    public int MaxTrackedSources { get; set; } = 65536;

    public int SecondsFor(LoginFailure failure) => failure switch
    {
        LoginFailure.AuthenticationFailed => AuthenticationFailedSeconds,
        LoginFailure.GraceExceeded => GraceExceededSeconds,
        LoginFailure.ProtocolError => ProtocolErrorSeconds,
        _ => NoAuthenticationSeconds,
    };
}
