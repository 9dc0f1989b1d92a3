using System.Text;
using MultiXfer.Connections;
using MultiXfer.Fuzz.Support;
using MultiXfer.Scp;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// Legacy scp over exec (OpenSSH scp.c's rcp protocol, which has no RFC): the input's first line is the exec command
/// line (ScpCommandLine: "scp [-r] [-p] [-d] [-v] [-q] [--] -t|-f PATH...", quoting as a shell would, shell syntax
/// refused), the rest is what the client sends: for -t (sink) the C/D/E/T control lines with file data and status
/// bytes, for -f (source) the acknowledgements. Runs ScpApplication as the SSH connection service would, over a
/// scripted stream against the in-memory backend (a few files and directories to download). ScpApplication turns
/// ScpUsageException and ScpProtocolException into an scp error and exit status 1, and the sink and source turn
/// FsException into per-file errors; anything leaving RunAsync is a crash.
/// </summary>
internal static class ScpTarget
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    public static void Run(byte[] data)
    {
        int newline = Array.IndexOf(data, (byte)'\n');
        string command = Encoding.UTF8.GetString(data, 0, newline < 0 ? data.Length : newline);
        byte[] script = newline < 0 ? [] : data[(newline + 1)..];
        var logs = new TripwireLoggerFactory();
        var application = new ScpApplication(new MemoryFiles(), logs);
        var stream = new ScriptedStream(script, chunk: 1021);
        int status = Harness.Run(async cancellationToken => await application.RunAsync(new ChannelSession
        {
            Stream = stream,
            ErrorStream = Stream.Null,
            User = FuzzUsers.Account,
            Connection = FuzzUsers.Connection(Stream.Null, "ssh"),
            Command = command,
            Cancellation = cancellationToken,
        }), Deadline, "scp");
        if (status is not (0 or 1))
        {
            throw new FuzzInvariantException($"scp exit status {status}");
        }

        Harness.ThrowIfSwallowed(logs);
    }
}
