namespace MultiXfer.Server.Configuration;

/// <summary>
/// The <c>Cluster</c> section: how this gateway takes part when several share one PostgreSQL account store
/// (Accounts:Provider "postgresql"). Alone, it is not read.
/// </summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>This gateway's name in the session registry and the admin API; empty: the host name and a random suffix (each start is a new node).</summary>
    public string NodeName { get; set; } = "";

    /// <summary>
    /// How long the cluster keeps this gateway's sessions without hearing from it (it renews every third of that): a
    /// gateway that dies frees its accounts' session slots within this time.
    /// </summary>
    public int LeaseSeconds { get; set; } = 10;

    /// <summary>The node name in force: the configured one or a new one.</summary>
    public string ResolveNodeName() => NodeName.Length > 0 ? NodeName
        : $"{Environment.MachineName}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
}
