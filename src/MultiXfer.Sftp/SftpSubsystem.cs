using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Sftp.Codec;
using MultiXfer.Sftp.Engine;

namespace MultiXfer.Sftp;

/// <summary>
/// The "sftp" subsystem (RFC 4254 §6.5): one SFTP session per channel, over the user's FSIO view, with the
/// version and extensions the global settings and the user's overrides allow.
/// </summary>
/// <param name="metrics">Where requests are counted; null: nowhere.</param>
public sealed class SftpSubsystem(SftpOptions options, IReadOnlyDictionary<string, SftpOverrideOptions> listeners, IFileSystemProvider files,
    ILoggerFactory loggers, SftpMetrics? metrics = null) : IChannelApplication
{
    public const string Name = "sftp";

    private readonly IReadOnlySet<string> _globalExtensions =
        SftpExtensions.Resolve(new HashSet<string>(SftpExtensions.All, StringComparer.Ordinal), options.Extensions);

    private readonly ILogger _logger = loggers.CreateLogger("MultiXfer.Sftp");

    public async Task<int> RunAsync(ChannelSession session)
    {
        await using var fileSystem = await files.OpenAsync(session.User, session.Cancellation);
        var policy = PolicyFor(session.User, session.Connection.ListenerName);
        var engine = new SftpSession(session.Stream, fileSystem, policy, OwnerNames.System, _logger, waitWithoutBuffer: true,
            connection: session.Connection, metrics: metrics);
        return await engine.RunAsync(session.Cancellation);
    }

    /// <summary>
    /// Global settings, then the listener's overrides (for SSH a listener is the virtual host: the protocol has no
    /// host name before authentication), then the user's.
    /// </summary>
    public SftpPolicy PolicyFor(UserAccount user, string listenerName)
    {
        var listener = listeners.GetValueOrDefault(listenerName);
        return new SftpPolicy
        {
            MaxVersion = user.Sftp?.MaxVersion ?? listener?.MaxVersion ?? options.MaxVersion,
            Extensions = SftpExtensions.Resolve(SftpExtensions.Resolve(_globalExtensions, listener?.Extensions), user.Sftp?.Extensions),
        MaxOpenHandles = options.MaxOpenHandles,
            UserName = user.Name,
            ReadOnly = user.ReadOnly,
        };
    }
}
