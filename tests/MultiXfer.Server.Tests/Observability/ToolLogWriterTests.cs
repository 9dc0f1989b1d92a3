using MultiXfer.Server.Observability;
using Serilog.Events;
using Serilog.Parsing;

namespace MultiXfer.Server.Tests.Observability;

/// <summary>The tool logs' writer: off the caller's thread, bounded, drops counted, drained at shutdown, on disk within a tick.</summary>
public sealed class ToolLogWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mx-toollog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A line whose formatting waits at a gate: the writer stuck as it would be at a stuck disk.</summary>
    private sealed class GatedLine(int number, ManualResetEventSlim gate, List<int> written) : IToolLogLine
    {
        public void WriteTo(ToolLogBatch batch)
        {
            gate.Wait();
            lock (written)
            {
                written.Add(number);
            }

            batch.WriteLine($"line {number}");
        }
    }

    [Fact]
    public void A_stuck_disk_costs_the_caller_nothing_and_lines_beyond_the_bound_are_dropped_and_counted()
    {
        using var gate = new ManualResetEventSlim(false);
        var written = new List<int>();
        string path = Path.Combine(_directory, "stuck.log");
        var writer = new ToolLogWriter(new ToolLogFile(path, roll: null, TimeProvider.System), capacity: 100);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 1000; i++)
        {
            writer.Add(new GatedLine(i, gate, written));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"adding 1000 lines to a stuck writer took {clock.Elapsed}");
        // The writer may hold one line at the stuck disk, so 100 or 101 got in; every other one was counted.
        Assert.InRange(writer.Dropped, 899, 900);

        gate.Set();
        writer.Dispose();
        Assert.Equal(1000 - writer.Dropped, written.Count);
        // In the order they came (which ones got in depends on when the writer took its first), and all in the file.
        Assert.Equal(written.Order(), written);
        Assert.Equal(0, written[0]);
        Assert.Equal(written.Select(n => $"line {n}"), ReadShared(path));
        writer.Dispose();
    }

    [Fact]
    public async Task The_tool_logs_reach_the_disk_within_a_tick_while_the_server_runs()
    {
        string transfers = Path.Combine(_directory, "xferlog");
        using var logs = new OperatorLogs(new MultiXfer.Server.Configuration.LoggingOptions
        {
            TransferLog = transfers,
            AuditLog = Path.Combine(_directory, "audit.json"),
        });
        var template = new MessageTemplateParser().Parse("{Event}");
        for (int i = 0; i < 50; i++)
        {
            logs.Transfers!.Add(new TextLine($"line {i}"));
            logs.AuditEvents!.Emit(new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Information, null, template,
                [new LogEventProperty("Event", new ScalarValue("connection.open"))]));
        }

        // The writer batches: the lines must reach the file after each batch, not only at shutdown.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        string[] written = [];
        string[] audit = [];
        while (DateTime.UtcNow < deadline)
        {
            written = ReadShared(transfers);
            audit = Directory.GetFiles(_directory, "audit*.json").SelectMany(ReadShared).ToArray();
            if (written.Length == 50 && audit.Length == 50)
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"line {i}"), written);
        Assert.Equal(50, audit.Length);
        Assert.All(audit, line => Assert.Contains("\"event\":\"connection.open\"", line));
    }

    [Fact]
    public async Task Lines_from_many_threads_all_reach_the_file_without_a_shutdown()
    {
        // Producers that pause now and then keep opening the window between the writer's last dequeue and its next
        // wait, where a line counted but not yet queued must still be written.
        string path = Path.Combine(_directory, "busy.log");
        using var writer = new ToolLogWriter(new ToolLogFile(path, roll: null, TimeProvider.System), capacity: 100_000);
        const int Threads = 4, Lines = 2000;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < Lines; i++)
            {
                writer.Add(new TextLine($"{t} {i}"));
                if (i % 97 == 0)
                {
                    await Task.Delay(1);
                }
            }
        })));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ReadShared(path).Length < Threads * Lines && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(Threads * Lines, ReadShared(path).Length);
        Assert.Equal(0, writer.Dropped);
    }

    [Fact]
    public void A_line_added_after_shutdown_is_counted_as_dropped_not_thrown()
    {
        var writer = new ToolLogWriter(new ToolLogFile(Path.Combine(_directory, "late.log"), roll: null, TimeProvider.System), capacity: 100);
        writer.Dispose();
        writer.Add(new TextLine("a session ending after the host stopped"));
        Assert.Equal(1, writer.Dropped);
    }

    [Fact]
    public void After_logrotate_truncates_the_file_under_the_writer_the_next_lines_start_at_its_beginning()
    {
        string path = Path.Combine(_directory, "xferlog");
        using var file = new ToolLogFile(path, roll: null, TimeProvider.System);
        file.Append("first line\n"u8);
        // copytruncate: the rotator copies the file away and cuts it to zero while the server keeps it open.
        File.Copy(path, path + ".1");
        using (var cut = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            cut.SetLength(0);
        }

        file.Append("second line\n"u8);
        Assert.Equal("second line\n"u8.ToArray(), File.ReadAllBytes(path)); // no hole of zeros where the first line was
        Assert.Equal(["first line"], ReadShared(path + ".1"));
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
