using System.Net;

namespace MultiXfer.Transport.Admission;

/// <summary>
/// Where a gateway's penalties are added up with the other gateways' of a cluster. A source that fails against
/// several gateways behind one balancer reaches the minimum on the sum of what each saw, and the ban that follows
/// comes back to every gateway through <see cref="SourcePenalties.Impose"/>.
/// </summary>
public interface IPenaltyShare
{
    /// <summary><paramref name="seconds"/> more for <paramref name="source"/> (a client key); must not block the caller.</summary>
    void Added(IPAddress source, int seconds);
}
