using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.TestKit;
using MultiXfer.TestMetrics;

namespace MultiXfer.Fsio.Tests;

/// <summary>multixfer.fsio.errors: each failure the session layer hands a protocol, by operation and kind, counted once.</summary>
public sealed class FsioMetricsTests
{
    private const int Enospc = 28;
    private static readonly CancellationToken None = CancellationToken.None;

    private static VirtualPath P(string path) => VirtualPath.Resolve(VirtualPath.Root, path);

    [Fact]
    public async Task Failures_count_by_operation_and_kind_and_a_poisoned_upload_counts_once()
    {
        using var meters = new TestMeterFactory();
        var metrics = new FsioMetrics(meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        var faults = new StorageFaults();
        using var provider = new FileSystemProvider(new ServerOptions { Storage = "memory" }, NullLoggerFactory.Instance, faults.Wrap,
            metrics);
        var user = new UserAccount
        {
            Name = "u1",
            Home = P("/u1"),
            Protocols = new HashSet<string> { Protocols.Sftp },
            Permissions = new PermissionRules([(VirtualPath.Root, Permission.List | Permission.Download | Permission.Upload)],
                readOnly: false),
        };
        await using var fs = await provider.OpenAsync(user, None);

        await Assert.ThrowsAsync<FsException>(() => fs.GetStatusAsync(P("/missing"), followLinks: true, None).AsTask());
        await Assert.ThrowsAsync<FsException>(async () => await fs.ListDirectoryAsync(P("/missing"), None).ToListAsync());
        await Assert.ThrowsAsync<FsException>(() => fs.CreateDirectoryAsync(P("/d"), null, None).AsTask());
        await using (var upload = await fs.OpenFileAsync(P("/f"), new FileOpenOptions(FileAccessMode.Write, FileCreateMode.Replace), None))
        {
            await upload.WriteAsync(0, new byte[100], None);
            faults.Arm(new Fault(FaultOperation.Write, Enospc));
            await Assert.ThrowsAsync<FsException>(() => upload.WriteAsync(100, new byte[100], None).AsTask());
            faults.Disarm();
            await Assert.ThrowsAsync<FsException>(() => upload.WriteAsync(200, new byte[100], None).AsTask());
            await Assert.ThrowsAsync<FsException>(() => upload.CommitAsync(None).AsTask());
        }

        Assert.Equal(
        [
            "kind=not_found,operation=stat 1",
            "kind=not_found,operation=list 1",
            "kind=permission_denied,operation=mkdir 1",
            "kind=no_space,operation=upload 1",
        ], recorder.Lines("multixfer.fsio.errors"));
    }
}
