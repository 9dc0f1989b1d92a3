namespace MultiXfer.Server.Configuration;

/// <summary>The <c>Logging</c> section.</summary>
public sealed class LoggingOptions
{
    public const string Section = "Logging";

    /// <summary>Verbose, Debug, Information, Warning, Error or Fatal.</summary>
    public string Level { get; set; } = "Information";

    /// <summary>A rolling daily log file in addition to the console; empty for console only.</summary>
    public string File { get; set; } = "";

    public int RetainedFiles { get; set; } = 14;
}
