using Microsoft.Extensions.Logging;

namespace MultiXfer.Fsio.Session;

/// <summary>
/// The session layer's "open for ..." lines, on a logger of their own ("MultiXfer.Files"): the audit log takes the
/// session layer's other lines ("MultiXfer.Audit") at Information whatever the console's level, and a transfer's own
/// start and end events already cover its open, so opens stay unbuilt unless the console's level shows them.
/// </summary>
internal sealed partial class OpenLog(ILogger logger)
{
    public void Opened(string operation, VirtualPath path) => LogOpened(operation, path);

    [LoggerMessage(Level = LogLevel.Information, Message = "open for {Operation} {Path}")]
    private partial void LogOpened(string operation, VirtualPath path);
}
