namespace MultiXfer.Limits;

/// <summary>
/// One sender's place in the gates it passes (a transfer, or one direction of an SSH channel): where its last booking
/// in each gate ended, so a sender that comes back late can reclaim the time it missed (see
/// <see cref="RateGate.Reserve"/>). A new track has booked nothing and reclaims nothing.
/// </summary>
public sealed class PaceTrack
{
    internal long Account;

    internal long Session;

    internal long Host;

    /// <summary>The sender may go at <paramref name="timestamp"/>: no gate counts it late before then.</summary>
    internal void ReleasedAt(long timestamp)
    {
        Account = Math.Max(Account, timestamp);
        Session = Math.Max(Session, timestamp);
        Host = Math.Max(Host, timestamp);
    }
}
