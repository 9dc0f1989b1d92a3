using MultiXfer.Server.Observability;
using MultiXfer.Server.Tests.Accounts;

namespace MultiXfer.Server.Tests.Observability;

/// <summary>The audit log's rolling: a file per UTC day, a new one past the size, the newest kept, a restart continuing the latest.</summary>
public sealed class ToolLogRollingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mx-roll-").FullName;
    private readonly SettableClock _clock = new(new DateTimeOffset(2026, 12, 5, 23, 59, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Audit => Path.Combine(_directory, "audit.json");

    private string[] Names() => Directory.GetFiles(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private static byte[] Line(int length) => [.. Enumerable.Repeat((byte)'x', length - 1), (byte)'\n'];

    [Fact]
    public void A_batch_that_would_pass_the_size_starts_the_next_file_of_the_day_and_a_new_day_starts_over()
    {
        using (var file = new ToolLogFile(Audit, new RollPolicy(FileBytes: 1000, RetainedFiles: 10), _clock))
        {
            file.Append(Line(600));
            file.Append(Line(300));
            file.Append(Line(200)); // 1100 would pass 1000
            file.Append(Line(1500)); // larger than a file: alone in one, never split
            _clock.Advance(TimeSpan.FromMinutes(2));
            file.Append(Line(10));
        }

        Assert.Equal(["audit20261205.json", "audit20261205_001.json", "audit20261205_002.json", "audit20261206.json"], Names());
        Assert.Equal(900, new FileInfo(Path.Combine(_directory, "audit20261205.json")).Length);
        Assert.Equal(200, new FileInfo(Path.Combine(_directory, "audit20261205_001.json")).Length);
        Assert.Equal(1500, new FileInfo(Path.Combine(_directory, "audit20261205_002.json")).Length);
    }

    [Fact]
    public void Only_the_newest_files_are_kept_and_other_files_beside_them_are_left_alone()
    {
        File.WriteAllText(Path.Combine(_directory, "audit-notes.json"), "not a rolled file");
        File.WriteAllText(Path.Combine(_directory, "audit20261201.json"), "old\n");
        File.WriteAllText(Path.Combine(_directory, "audit20261203.json"), "older than today\n");
        using (var file = new ToolLogFile(Audit, new RollPolicy(FileBytes: 100, RetainedFiles: 3), _clock))
        {
            for (int i = 0; i < 3; i++)
            {
                file.Append(Line(80));
            }
        }

        Assert.Equal(["audit-notes.json", "audit20261205.json", "audit20261205_001.json", "audit20261205_002.json"], Names());
    }

    [Fact]
    public void A_restart_appends_to_the_days_latest_file()
    {
        var policy = new RollPolicy(FileBytes: 1000, RetainedFiles: 10);
        using (var file = new ToolLogFile(Audit, policy, _clock))
        {
            file.Append(Line(900));
            file.Append(Line(200));
        }

        using (var file = new ToolLogFile(Audit, policy, _clock))
        {
            file.Append(Line(50));
            Assert.EndsWith("audit20261205_001.json", file.CurrentPath, StringComparison.Ordinal);
        }

        Assert.Equal(250, new FileInfo(Path.Combine(_directory, "audit20261205_001.json")).Length);
        Assert.Equal(900, new FileInfo(Path.Combine(_directory, "audit20261205.json")).Length);
    }
}
