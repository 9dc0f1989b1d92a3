using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MultiXfer.Connections;
using MultiXfer.Transport.Admission;
using MultiXfer.TestKit;

namespace MultiXfer.Transport.Tests;

/// <summary>Per-source penalties: accumulation, activation at the minimum, the cap, expiry, exemptions, the bound.</summary>
public sealed class SourcePenaltiesTests
{
    private static readonly IPAddress Client = IPAddress.Parse("198.51.100.7");
    private readonly ManualTimeProvider _time = new();

    private SourcePenalties Penalties(PenaltyOptions? options = null, params string[] exempt) =>
        new(options ?? new PenaltyOptions(), [.. exempt.Select(IPNetwork.Parse)], 64, _time, NullLogger.Instance);

    [Fact]
    public void Failures_add_up_and_refuse_the_source_once_the_minimum_is_reached_until_served()
    {
        var penalties = Penalties();
        penalties.Penalise(Client, LoginFailure.AuthenticationFailed);
        penalties.Penalise(Client, LoginFailure.AuthenticationFailed);
        Assert.False(penalties.IsPenalised(Client)); // 10 s outstanding, below the 15 s minimum
        penalties.Penalise(Client, LoginFailure.AuthenticationFailed);
        Assert.True(penalties.IsPenalised(Client));
        Assert.False(penalties.IsPenalised(IPAddress.Parse("198.51.100.8")));

        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.True(penalties.IsPenalised(Client));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(penalties.IsPenalised(Client));

        // Served: the next penalty starts from zero.
        penalties.Penalise(Client, LoginFailure.NoAuthentication);
        Assert.False(penalties.IsPenalised(Client));
    }

    [Fact]
    public void Penalties_expire_while_they_accumulate_slowly()
    {
        var penalties = Penalties();
        for (int i = 0; i < 100; i++)
        {
            penalties.Penalise(Client, LoginFailure.NoAuthentication);
            _time.Advance(TimeSpan.FromSeconds(1.5));
        }

        Assert.False(penalties.IsPenalised(Client));
    }

    [Fact]
    public void The_penalty_is_capped_at_the_maximum()
    {
        var penalties = Penalties(new PenaltyOptions { MaximumSeconds = 60 });
        for (int i = 0; i < 100; i++)
        {
            penalties.Penalise(Client, LoginFailure.ProtocolError);
        }

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(penalties.IsPenalised(Client));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(penalties.IsPenalised(Client));
    }

    [Fact]
    public void Exempt_networks_and_disabled_penalties_never_refuse()
    {
        var exempt = Penalties(null, "198.51.100.0/24");
        var disabled = Penalties(new PenaltyOptions { Enabled = false });
        for (int i = 0; i < 10; i++)
        {
            exempt.Penalise(Client, LoginFailure.ProtocolError);
            disabled.Penalise(Client, LoginFailure.ProtocolError);
        }

        Assert.False(exempt.IsPenalised(Client));
        Assert.False(disabled.IsPenalised(Client));
        Assert.Equal(0, exempt.TrackedSources);
    }

    [Fact]
    public void Ipv6_sources_are_penalised_per_prefix()
    {
        var penalties = Penalties();
        penalties.Penalise(IPAddress.Parse("2001:db8::1"), LoginFailure.ProtocolError);
        penalties.Penalise(IPAddress.Parse("2001:db8::2"), LoginFailure.ProtocolError);
        Assert.True(penalties.IsPenalised(IPAddress.Parse("2001:db8::ffff")));
        Assert.False(penalties.IsPenalised(IPAddress.Parse("2001:db8:0:1::1")));
    }

    [Fact]
    public void The_table_is_bounded_and_keeps_what_expires_last()
    {
        var penalties = Penalties(new PenaltyOptions { MaxTrackedSources = 16 });
        for (int i = 0; i < 1000; i++)
        {
            penalties.Penalise(new IPAddress([203, 0, (byte)(i >> 8), (byte)i]), LoginFailure.NoAuthentication);
        }

        Assert.InRange(penalties.TrackedSources, 1, 16);
        // A source penalised heavily now survives the churn of sources that expire sooner.
        for (int i = 0; i < 4; i++)
        {
            penalties.Penalise(Client, LoginFailure.ProtocolError);
        }

        for (int i = 1000; i < 2000; i++)
        {
            penalties.Penalise(new IPAddress([203, 0, (byte)(i >> 8), (byte)i]), LoginFailure.NoAuthentication);
        }

        Assert.True(penalties.IsPenalised(Client));
    }
}
