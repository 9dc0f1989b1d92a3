namespace MultiXfer.Server.Configuration;

/// <summary>The <c>Admin</c> section: the admin API's own listener (never behind PROXY protocol).</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    public bool Enabled { get; set; } = true;

    /// <summary>Loopback by default: expose it wider only with TLS and a firewall in front.</summary>
    public string Address { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 2180;

    /// <summary>Serve the API over TLS with the FTPS certificate (Tls:CertificateFile), reloaded the same way.</summary>
    public bool UseTls { get; set; }

    /// <summary>
    /// How sessions end when their account is disabled, deleted or expired, or loses the key or network they came
    /// in with: "at-once" (aborted), or "after-transfer" (the transfer in flight finishes, as at shutdown).
    /// </summary>
    public string EndSessions { get; set; } = "at-once";

    /// <summary>With after-transfer: how long a transfer may take before the session is aborted anyway.</summary>
    public int SessionEndGraceSeconds { get; set; } = 60;

    /// <summary>
    /// How often the accounts of live sessions are read again, so that changes the API did not make itself (an expiry
    /// time passing, the offline CLI, another gateway on the same database) end sessions too.
    /// </summary>
    public int EnforcementIntervalSeconds { get; set; } = 15;

    /// <summary>
    /// A file holding an admin token the operator chose (<c>mxt_</c>, 16 hex digits, <c>_</c>, a secret of 32+
    /// characters), made an admin-scope token named "bootstrap" at every start; a different token in the file revokes
    /// the previous one. For containers and orchestrators, where no one runs <c>tokens create</c> before the first API call:
    /// mount it from a secret. Only its hash is stored.
    /// </summary>
    public string BootstrapTokenFile { get; set; } = "";

    /// <summary>Failed bearer tokens from one address within a minute before it gets 429 for the rest of the minute.</summary>
    public int MaxFailedTokensPerMinute { get; set; } = 10;
}
