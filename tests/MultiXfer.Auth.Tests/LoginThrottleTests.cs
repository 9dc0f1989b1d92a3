using System.Net;
using MultiXfer.Auth;
using MultiXfer.TestKit;

namespace MultiXfer.Auth.Tests;

public sealed class LoginThrottleTests
{
    private static readonly IPAddress Alice = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress Bob = IPAddress.Parse("2001:db8::2");

    private readonly ManualTimeProvider _time = new();

    private static AuthOptions Options(int max = 3, int window = 60, int ban = 600, int tracked = 1000) => new()
    {
        MaxFailuresPerAddress = max,
        FailureWindowSeconds = window,
        BanSeconds = ban,
        MaxTrackedAddresses = tracked,
    };

    private static IPAddress Address(int i) => new([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]);

    [Fact]
    public void An_address_is_banned_after_the_maximum_failures_within_the_window()
    {
        var throttle = new LoginThrottle(Options(max: 3), _time);
        Assert.False(throttle.IsBanned(Alice));
        Assert.False(throttle.RecordFailure(Alice));
        Assert.False(throttle.RecordFailure(Alice));
        Assert.False(throttle.IsBanned(Alice));
        Assert.True(throttle.RecordFailure(Alice));
        Assert.True(throttle.IsBanned(Alice));
        // Further failures during the ban do not report a new ban.
        Assert.False(throttle.RecordFailure(Alice));
    }

    [Fact]
    public void Other_addresses_are_unaffected()
    {
        var throttle = new LoginThrottle(Options(max: 2), _time);
        throttle.RecordFailure(Alice);
        throttle.RecordFailure(Alice);
        Assert.True(throttle.IsBanned(Alice));
        Assert.False(throttle.IsBanned(Bob));
        Assert.False(throttle.RecordFailure(Bob));
        Assert.False(throttle.IsBanned(Bob));
    }

    [Fact]
    public void Failures_older_than_the_window_are_forgotten()
    {
        var throttle = new LoginThrottle(Options(max: 3, window: 60), _time);
        throttle.RecordFailure(Alice);
        throttle.RecordFailure(Alice);
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.False(throttle.RecordFailure(Alice));
        Assert.False(throttle.IsBanned(Alice));
        Assert.False(throttle.RecordFailure(Alice));
        Assert.True(throttle.RecordFailure(Alice));
    }

    [Fact]
    public void Failures_inside_the_window_accumulate()
    {
        var throttle = new LoginThrottle(Options(max: 3, window: 60), _time);
        throttle.RecordFailure(Alice);
        _time.Advance(TimeSpan.FromSeconds(30));
        throttle.RecordFailure(Alice);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(throttle.RecordFailure(Alice));
    }

    [Fact]
    public void A_ban_lasts_its_time_and_then_expires()
    {
        var throttle = new LoginThrottle(Options(max: 1, ban: 600), _time);
        Assert.True(throttle.RecordFailure(Alice));
        _time.Advance(TimeSpan.FromSeconds(599));
        Assert.True(throttle.IsBanned(Alice));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(throttle.IsBanned(Alice));
    }

    [Fact]
    public void After_a_ban_expires_the_address_can_be_banned_again()
    {
        var throttle = new LoginThrottle(Options(max: 2, window: 60, ban: 600), _time);
        throttle.RecordFailure(Alice);
        Assert.True(throttle.RecordFailure(Alice));
        _time.Advance(TimeSpan.FromSeconds(601));
        Assert.False(throttle.IsBanned(Alice));
        Assert.False(throttle.RecordFailure(Alice));
        Assert.True(throttle.RecordFailure(Alice));
        Assert.True(throttle.IsBanned(Alice));
    }

    [Fact]
    public void The_table_is_bounded_and_keeps_banned_addresses()
    {
        var throttle = new LoginThrottle(Options(max: 2, tracked: 100), _time);
        throttle.RecordFailure(Alice);
        throttle.RecordFailure(Alice);
        for (int i = 0; i < 5000; i++)
        {
            throttle.RecordFailure(Address(i));
            Assert.True(throttle.TrackedAddresses <= 100);
        }

        Assert.True(throttle.IsBanned(Alice));
    }

    [Fact]
    public void Expired_entries_make_room_before_live_ones()
    {
        var throttle = new LoginThrottle(Options(max: 3, window: 60, tracked: 10), _time);
        for (int i = 0; i < 5; i++)
        {
            throttle.RecordFailure(Address(i));
        }

        _time.Advance(TimeSpan.FromSeconds(120));
        throttle.RecordFailure(Bob);
        throttle.RecordFailure(Bob);
        for (int i = 100; i < 108; i++)
        {
            throttle.RecordFailure(Address(i));
        }

        // Bob's two recent failures survived the eviction, so a third bans him.
        Assert.True(throttle.TrackedAddresses <= 10);
        Assert.True(throttle.RecordFailure(Bob));
    }

    [Fact]
    public void Bans_expire_when_the_monotonic_clock_passes_106_days()
    {
        // Stopwatch on Linux counts nanoseconds since boot. GetTimestamp() * 1000 overflows a long after
        // 2^63 / 10^12 s = 106.75 days of uptime; a ban made just before that must still end on time.
        long nearOverflow = (long.MaxValue / 1000) - 60_000_000_000; // one minute before the product overflows
        var time = new ManualTimeProvider(nearOverflow, 1_000_000_000);
        var throttle = new LoginThrottle(Options(max: 1, ban: 600), time);
        Assert.True(throttle.RecordFailure(Alice));
        Assert.True(throttle.IsBanned(Alice));
        time.Advance(TimeSpan.FromSeconds(601));
        Assert.False(throttle.IsBanned(Alice));
    }
}
