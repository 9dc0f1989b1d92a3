using MultiXfer.Connections;

namespace MultiXfer.Ssh.Connection;

/// <summary>
/// Which programs a session channel may start (RFC 4254 §6.5): subsystems by name, exec commands by their first
/// word. Each names the protocol a user must be allowed to use ("sftp", "scp"; "ssh" for any SSH user).
/// </summary>
public sealed class SshApplicationRegistry
{
    private readonly Dictionary<string, RegisteredApplication> _subsystems = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RegisteredApplication> _commands = new(StringComparer.Ordinal);

    public void AddSubsystem(string name, string protocol, IChannelApplication application) =>
        _subsystems.Add(name, new RegisteredApplication(protocol, application));

    public void AddCommand(string program, string protocol, IChannelApplication application) =>
        _commands.Add(program, new RegisteredApplication(protocol, application));

    internal RegisteredApplication? FindSubsystem(string name) => _subsystems.GetValueOrDefault(name);

    /// <summary>The program is the command line's first word, with any directory part ignored ("/usr/bin/scp -t x" is scp).</summary>
    internal RegisteredApplication? FindCommand(string commandLine)
    {
        string program = commandLine.TrimStart().Split(' ', 2)[0];
        return _commands.GetValueOrDefault(program[(program.LastIndexOf('/') + 1)..]);
    }
}

internal sealed record RegisteredApplication(string Protocol, IChannelApplication Application);
