using MultiXfer.Server.Observability;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace MultiXfer.Server.Tests.Observability;

/// <summary>The tool logs' queue: written off the caller's thread, bounded, drops counted, drained at shutdown.</summary>
public sealed class BatchingSinkTests
{
    private sealed class SlowSink(ManualResetEventSlim gate) : ILogEventSink
    {
        public List<LogEvent> Written { get; } = [];

        public void Emit(LogEvent logEvent)
        {
            gate.Wait();
            lock (Written)
            {
                Written.Add(logEvent);
            }
        }
    }

    private static LogEvent Event(int number) => new(DateTimeOffset.UtcNow, LogEventLevel.Information, null,
        new MessageTemplateParser().Parse("{N}"), [new LogEventProperty("N", new ScalarValue(number))]);

    [Fact]
    public void A_stuck_disk_costs_the_caller_nothing_and_events_beyond_the_bound_are_dropped_and_counted()
    {
        using var gate = new ManualResetEventSlim(false);
        var file = new SlowSink(gate);
        var sink = new BatchingSink(file, capacity: 100);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 1000; i++)
        {
            sink.Emit(Event(i));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"emitting 1000 events into a stuck sink took {clock.Elapsed}");
        // The writer may hold one event at the stuck disk, so 100 or 101 got in; every other one was counted.
        Assert.InRange(sink.Dropped, 899, 900);

        gate.Set();
        sink.Dispose();
        Assert.Equal(1000 - sink.Dropped, file.Written.Count);
        // In the order they came (which ones got in depends on when the writer took its first).
        var numbers = file.Written.Select(e => (int)((ScalarValue)e.Properties["N"]).Value!).ToList();
        Assert.Equal(numbers.Order(), numbers);
        Assert.Equal(0, numbers[0]);
        sink.Dispose();
    }

    [Fact]
    public async Task Events_reach_the_file_within_a_tick_without_a_shutdown()
    {
        using var gate = new ManualResetEventSlim(true);
        var file = new SlowSink(gate);
        using var sink = new BatchingSink(file, capacity: 100);
        sink.Emit(Event(7));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (file.Written.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Single(file.Written);
        Assert.Equal(0, sink.Dropped);
    }

    [Fact]
    public async Task The_tool_logs_write_buffered_yet_reach_the_disk_within_a_tick_while_the_server_runs()
    {
        string directory = Directory.CreateTempSubdirectory("mx-oplogs-").FullName;
        try
        {
            string transfers = Path.Combine(directory, "xferlog");
            using var logs = new OperatorLogs(new MultiXfer.Server.Configuration.LoggingOptions
            {
                TransferLog = transfers,
                AuditLog = Path.Combine(directory, "audit.json"),
            });
            for (int i = 0; i < 50; i++)
            {
                logs.Transfers!.Information("{Line:l}", $"line {i}");
                logs.Audit!.Information("{Event}", "connection.open");
            }

            // Buffered file sinks hold lines in memory until flushed: the queue must flush each batch, not only at shutdown.
            var deadline = DateTime.UtcNow.AddSeconds(5);
            string[] written = [];
            string[] audit = [];
            while (DateTime.UtcNow < deadline)
            {
                written = ReadShared(transfers);
                audit = Directory.GetFiles(directory, "audit*.json").SelectMany(ReadShared).ToArray();
                if (written.Length == 50 && audit.Length == 50)
                {
                    break;
                }

                await Task.Delay(20);
            }

            Assert.Equal(Enumerable.Range(0, 50).Select(i => $"line {i}"), written);
            Assert.Equal(50, audit.Length);
            Assert.All(audit, line => Assert.Contains("connection.open", line));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string[] ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
