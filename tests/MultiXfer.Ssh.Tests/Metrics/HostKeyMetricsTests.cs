using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Connections;
using MultiXfer.Ssh.HostKeys;
using MultiXfer.Ssh.Tests.Keys;
using MultiXfer.TestMetrics;

namespace MultiXfer.Ssh.Tests.Metrics;

/// <summary>multixfer.ssh.host_key.age and multixfer.ssh.host_certificate.expiry, read from the keys in service at each scrape.</summary>
public sealed class HostKeyMetricsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2030, 1, 15, 0, 0, 0, TimeSpan.Zero);

    private readonly TestMeterFactory _meters = new();
    private readonly TempDirectory _keys = new();
    private readonly List<HostKeyManager> _managers = [];

    public void Dispose()
    {
        _managers.ForEach(m => m.Dispose());
        _meters.Dispose();
        _keys.Dispose();
    }

    [Fact]
    public void Key_age_is_the_time_since_each_key_file_was_written_and_certificates_show_their_expiry()
    {
        string ca = _keys.Path("ca");
        Tool.SshKeygen("-q", "-t", "ed25519", "-N", "", "-f", ca);
        string ed25519 = Key("host_ed25519", "ed25519", Now.AddHours(-1));
        string ecdsa = Key("host_ecdsa", "ecdsa", Now.AddDays(-400));
        Tool.SshKeygen("-q", "-s", ca, "-I", "host", "-h", "-V", "20300101:20300201", ed25519 + ".pub");
        var defaultKeys = Manager(new SshOptions { HostKeys = [ed25519, ecdsa], HostCertificates = [ed25519 + "-cert.pub"] });
        string siteKey = Key("site_ed25519", "ed25519", Now.AddSeconds(-30));
        var siteKeys = Manager(new SshOptions { HostKeys = [siteKey] });
        var metrics = new SshMetrics(_meters, new FixedClock(Now));
        using var recorder = new MeasurementRecorder(metrics.Meter);

        metrics.ObserveHostKeys(new Dictionary<string, HostKeyManager> { ["default"] = defaultKeys, ["files.example.org"] = siteKeys });

        Assert.Equal(
        [
            "algorithm=ssh-ed25519,key_set=default 3600",
            "algorithm=ecdsa-sha2-nistp256,key_set=default 34560000",
            "algorithm=ssh-ed25519,key_set=files.example.org 30",
        ], recorder.Observe("multixfer.ssh.host_key.age").Select(r => r.ToString()));
        var certificate = Assert.Single(defaultKeys.Certificates);
        // ssh-keygen reads -V in local time: whatever the zone, the end is 2030-02-01 give or take a day.
        Assert.InRange((long)certificate.ValidBefore, new DateTimeOffset(2030, 1, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(),
            new DateTimeOffset(2030, 2, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds());
        long left = (long)certificate.ValidBefore - Now.ToUnixTimeSeconds();
        Assert.Equal([$"algorithm=ssh-ed25519-cert-v01@openssh.com,key_set=default {left}"],
            recorder.Observe("multixfer.ssh.host_certificate.expiry").Select(r => r.ToString()));
    }

    /// <summary>A host key made by ssh-keygen, its file dated <paramref name="written"/>.</summary>
    private string Key(string name, string kind, DateTimeOffset written)
    {
        string path = _keys.Path(name);
        Tool.SshKeygen("-q", "-t", kind, "-N", "", "-f", path);
        File.SetLastWriteTimeUtc(path, written.UtcDateTime);
        return path;
    }

    private HostKeyManager Manager(SshOptions options)
    {
        var manager = HostKeyManager.Create(options, _keys.Path(""), new Dictionary<string, ListenerOptions>(), NullLogger.Instance);
        _managers.Add(manager);
        Assert.Null(manager.LoadAtStart(_keys.Path("")));
        return manager;
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
