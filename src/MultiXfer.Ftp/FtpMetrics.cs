using System.Diagnostics.Metrics;

namespace MultiXfer.Ftp;

/// <summary>
/// FTP commands as metrics: one count per command at its final reply (the first one that is not 1xx), by verb and
/// reply class. The verb is the command table's, or "other" for a line the table does not know: the client writes
/// that text, so it never becomes a tag.
/// </summary>
public sealed class FtpMetrics
{
    public const string MeterName = "MultiXfer.Ftp";

    /// <summary>The verb a command is counted under when the command table does not know it.</summary>
    internal const string UnknownVerb = "other";

    /// <summary>The reply classes a final reply can have (RFC 959 §4.2), by the first digit of its code.</summary>
    private static readonly string[] ReplyClasses = ["", "", "2xx", "3xx", "4xx", "5xx"];

    private readonly Counter<long> _commands;

    public FtpMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _commands = Meter.CreateCounter<long>("multixfer.ftp.commands", "{command}",
            "FTP commands answered, by verb (\"other\" for unknown ones) and the class of their final reply");
    }

    public Meter Meter { get; }

    /// <summary>A command's final reply; <paramref name="verb"/> comes from the command table (or is <see cref="UnknownVerb"/>).</summary>
    internal void Answered(string verb, int code)
    {
        int replyClass = code / 100;
        if (replyClass is >= 2 and <= 5)
        {
            _commands.Add(1, new("verb", verb), new("reply_class", ReplyClasses[replyClass]));
        }
    }
}
