using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.UserAuth;

/// <summary>SSH_MSG_USERAUTH_REQUEST (RFC 4252 §5): user, service, method, and the method-specific rest.</summary>
internal sealed class UserAuthRequest
{
    public required string User { get; init; }

    public required string Service { get; init; }

    public required string Method { get; init; }

    /// <summary>Where the method-specific fields start in the payload.</summary>
    public required int MethodDataOffset { get; init; }

    public required byte[] MethodDataBytes { get; init; }

    public ReadOnlySpan<byte> MethodData => MethodDataBytes;

    public static UserAuthRequest Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload);
        reader.ReadByte();
        string user = reader.ReadUtf8(WireLimits.MaxShortString, "user name");
        string service = reader.ReadAscii(WireLimits.MaxShortString, "service name");
        string method = reader.ReadAscii(WireLimits.MaxShortString, "method name");
        int offset = reader.Position;
        return new UserAuthRequest
        {
            User = user,
            Service = service,
            Method = method,
            MethodDataOffset = offset,
            MethodDataBytes = reader.ReadRemaining().ToArray(),
        };
    }
}

/// <summary>How one authentication attempt ended.</summary>
internal sealed record AttemptOutcome(MultiXfer.Auth.UserAccount? Account, bool Counts, bool Replied, ReadOnlyMemory<byte>? Interrupted)
{
    /// <summary>Why a counted attempt failed (<see cref="MultiXfer.Auth.LoginFailureReasons"/>), for metrics and the audit log.</summary>
    public string Reason { get; init; } = MultiXfer.Auth.LoginFailureReasons.BadCredentials;

    /// <summary>The client's address is throttled: the connection is to be closed.</summary>
    public bool Throttled { get; init; }

    /// <summary>Refused; counts towards MaxAuthTries; a failure message is due.</summary>
    public static AttemptOutcome Failed { get; } = new(null, Counts: true, Replied: false, Interrupted: null);

    /// <summary>The "none" method: answered with the method list, not a failed try (RFC 4252 §5.2).</summary>
    public static AttemptOutcome NotCounted { get; } = new(null, Counts: false, Replied: false, Interrupted: null);

    public static AttemptOutcome Succeeded(MultiXfer.Auth.UserAccount account) => new(account, Counts: false, Replied: true, Interrupted: null);
}
