using System.Globalization;
using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Observability;

/// <summary>
/// The xferlog: one line per file transfer in every protocol, in the layout ProFTPD writes, read by Debian's webalizer
/// (its ftp mode parses xferlog) and counted the same.
/// </summary>
public sealed partial class TransferLogTests
{
    /// <summary>xferlog(5): ctime, transfer time, host, bytes, name, type, action, direction, access, user, service, method, id, status.</summary>
    [GeneratedRegex(@"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123]\d \d\d:\d\d:\d\d \d{4} (\d+) (\S+) (\d+) (\S+) ([ab]) _ ([io]) r (\S+) (ftp|ftps|sftp|scp) 0 \* ([ci])$")]
    private static partial Regex XferlogLine();

    [ClientFact("curl", "scp", "webalizer")]
    public async Task Every_protocol_writes_one_xferlog_line_per_transfer_that_webalizer_counts()
    {
        await using var server = await TestServer.StartAsync();
        string work = Directory.CreateDirectory(Path.Combine(server.RootDirectory, "work")).FullName;
        await ObservedWorkload.RunAsync(server, work);

        int expected = ObservedWorkload.Completed.Length + 1;
        string[] lines = await TestServer.WaitForLinesAsync(server.ReadTransferLog, l => l.Length >= expected);
        Assert.Equal(expected, lines.Length);
        var parsed = lines.Select(l =>
        {
            var match = XferlogLine().Match(l);
            Assert.True(match.Success, $"not an xferlog line: {l}");
            return (Host: match.Groups[4].Value, Bytes: long.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture), Name: match.Groups[6].Value,
                Direction: match.Groups[8].Value == "i" ? "upload" : "download", User: match.Groups[9].Value, Service: match.Groups[10].Value,
                Complete: match.Groups[11].Value == "c");
        }).ToList();
        Assert.All(parsed, p => Assert.Equal(("127.0.0.1", "alice"), (p.Host, p.User)));
        Assert.Equal(ObservedWorkload.Completed.Order(), parsed.Where(p => p.Complete).Select(p => (p.Service, p.Direction, p.Bytes)).Order());
        var cut = Assert.Single(parsed, p => !p.Complete);
        Assert.Equal(("ftp", "download", "/big.bin"), (cut.Service, cut.Direction, cut.Name));
        Assert.InRange(cut.Bytes, 1, ObservedWorkload.AbortedFileBytes - 1);

        // webalizer reads the xferlog as ProFTPD's: every line a hit, every completed transfer a file.
        string output = Directory.CreateDirectory(Path.Combine(server.RootDirectory, "webalizer")).FullName;
        string log = Path.Combine(server.RootDirectory, "xferlog.copy");
        await File.WriteAllLinesAsync(log, lines);
        var run = await ProcessRunner.RunAsync("webalizer", ["-c", "/dev/null", "-F", "ftp", "-p", "-Q", "-o", output, log], TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.ToString());
        string report = File.ReadAllText(Directory.GetFiles(output, "usage_*.html").Single());
        Assert.Equal(expected, Total(report, "Total Hits"));
        Assert.Equal(ObservedWorkload.Completed.Length, Total(report, "Total Files"));
    }

    /// <summary>A figure from webalizer's monthly summary table: the bold number in the row named <paramref name="row"/>.</summary>
    private static int Total(string report, string row)
    {
        var match = Regex.Match(report, Regex.Escape(row) + @"</FONT></TD>\s*<TD[^>]*><FONT[^>]*><B>(\d+)</B>");
        Assert.True(match.Success, $"webalizer's report has no '{row}' row");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
