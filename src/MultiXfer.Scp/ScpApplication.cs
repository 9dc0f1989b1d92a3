using System.Text;
using Microsoft.Extensions.Logging;
using MultiXfer.Connections;
using MultiXfer.Fsio;

namespace MultiXfer.Scp;

/// <summary>
/// The legacy scp protocol over "exec" (what scp -O, older OpenSSH, pscp, curl and libraries speak): the command line
/// is parsed here, never by a shell, and the transfer runs against the user's FSIO view.
/// </summary>
public sealed class ScpApplication(IFileSystemProvider files, ILoggerFactory loggers) : IChannelApplication
{
    public const string Program = "scp";

    private readonly ILogger _logger = loggers.CreateLogger("MultiXfer.Scp");

    public async Task<int> RunAsync(ChannelSession session)
    {
        var cancellationToken = session.Cancellation;
        ScpCommandLine command;
        List<VirtualPath> paths;
        try
        {
            command = ScpCommandLine.Parse(session.Command);
            paths = command.Paths.Select(ToVirtualPath).ToList();
        }
        catch (ScpUsageException e)
        {
            _logger.LogWarning("scp refused: {Reason}: {Command}", e.Message, session.Command);
            // As an scp error on the protocol stream: the client prints it and exits non-zero.
            await TellClientAsync(session, e.Message, cancellationToken);
            return 1;
        }

        await using var fileSystem = await files.OpenAsync(session.User, cancellationToken);
        using var channel = new ScpChannel(session.Stream);
        _logger.LogInformation("scp {Direction} {Paths}{Recursive}", command.Sink ? "upload to" : "download of",
            string.Join(", ", paths), command.Recursive ? " (recursive)" : "");
        try
        {
            bool complete = command.Sink
                ? await new ScpSink(channel, fileSystem, command, paths[0], _logger, session.Connection).RunAsync(cancellationToken)
                : await new ScpSource(channel, fileSystem, command, _logger, session.Connection).RunAsync(paths, cancellationToken);
            return complete ? 0 : 1;
        }
        catch (ScpProtocolException e)
        {
            _logger.LogWarning("scp ended: {Reason}", e.Message);
            if (!e.ClientGaveUp)
            {
                await TellClientAsync(session, $"protocol error: {e.Message}", cancellationToken);
            }
            return 1;
        }
    }

    /// <summary>The reason goes to the client as an scp error line (as OpenSSH's run_err), if it still listens.</summary>
    private static async Task TellClientAsync(ChannelSession session, string message, CancellationToken cancellationToken)
    {
        try
        {
            await session.Stream.WriteAsync(Encoding.UTF8.GetBytes($"\x01scp: {message.Replace('\n', ' ')}\n"), cancellationToken);
        }
        catch (IOException)
        {
            // The client is gone; the log has the reason.
        }
    }

    /// <summary>Paths are relative to the user's root ("." is the root); a leading "~" is the root too.</summary>
    private static VirtualPath ToVirtualPath(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = "/" + path[1..].TrimStart('/');
        }

        return VirtualPath.TryResolve(VirtualPath.Root, path, out var resolved, out string problem)
            ? resolved
            : throw new ScpUsageException($"{path}: {problem}");
    }
}
