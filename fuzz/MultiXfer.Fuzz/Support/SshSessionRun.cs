namespace MultiXfer.Fuzz.Support;

/// <summary>
/// One in-process SSH connection per input: the harness's client on one side, the server's real SshSession on the
/// other, both in this process. The run ends when the client has said everything and closed its side and the
/// session has wound down (its applications included); SshSession catches exactly the rejections
/// (SshProtocolException, a peer's DISCONNECT, the closed stream and timeouts) and anything else leaves RunAsync.
/// </summary>
internal static class SshSessionRun
{
    /// <summary>Well above a normal run (milliseconds) and above SshSession's own 5 s wait for applications.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(8);

    public static void Run(string what, Func<SshFuzzClient, CancellationToken, Task> script)
    {
        var logs = new TripwireLoggerFactory();
        Harness.Run(async cancellationToken =>
        {
            var client = new SshFuzzClient(logs);
            try
            {
                await script(client, cancellationToken);
                await client.FinishAsync();
            }
            finally
            {
                await client.DisposeAsync();
            }
        }, Deadline, what);
        Harness.ThrowIfSwallowed(logs);
    }
}
