using System.Net;
using MultiXfer.Connections;
using MultiXfer.Transport.Admission;

namespace MultiXfer.Transport.Tests;

/// <summary>Connection and login slots, the queue in front of them, and fair eviction when every login slot is taken.</summary>
public sealed class AdmissionGateTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    private static AdmissionGate Gate(int connections = 100, int perAddress = 10, int logins = 100, int loginsPerAddress = 2,
        int queued = 10, int queuedPerAddress = 5, double timeoutSeconds = 30) =>
        new(new AdmissionLimits(connections, perAddress, logins, loginsPerAddress, queued, queuedPerAddress,
            TimeSpan.FromSeconds(timeoutSeconds), 64));

    private static async Task<AdmissionTicket> Admitted(AdmissionGate gate, IPAddress address, Action? evict = null)
    {
        var (ticket, refusal) = await gate.AdmitAsync(address, evict ?? (() => { }), CancellationToken.None);
        Assert.Null(refusal);
        return ticket!;
    }

    [Fact]
    public async Task A_connection_over_the_login_limit_waits_until_one_before_it_logs_in()
    {
        var gate = Gate();
        var first = await Admitted(gate, A);
        await Admitted(gate, A);

        var third = gate.AdmitAsync(A, () => { }, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(third.IsCompleted);
        Assert.Equal(1, gate.Waiting);

        first.Authenticated();
        var (ticket, refusal) = await third.WaitAsync(Soon);
        Assert.NotNull(ticket);
        Assert.Null(refusal);
        Assert.Equal(3, gate.Connections);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task A_connection_over_the_per_address_limit_waits_until_one_closes()
    {
        var gate = Gate(perAddress: 2);
        var first = await Admitted(gate, A);
        first.Authenticated();
        (await Admitted(gate, A)).Authenticated();

        var third = gate.AdmitAsync(A, () => { }, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(third.IsCompleted);
        // Logging in frees no connection slot; closing does.
        first.Dispose();
        Assert.NotNull((await third.WaitAsync(Soon)).Ticket);
    }

    [Fact]
    public async Task Beyond_the_queue_a_connection_is_refused_at_once()
    {
        var gate = Gate(loginsPerAddress: 1, queued: 3, queuedPerAddress: 2);
        await Admitted(gate, A);
        var waiting = new[] { gate.AdmitAsync(A, () => { }, CancellationToken.None), gate.AdmitAsync(A, () => { }, CancellationToken.None) };
        Assert.Equal((null, RejectReason.TooManyConnections), await gate.AdmitAsync(A, () => { }, CancellationToken.None));

        await Admitted(gate, B);
        _ = gate.AdmitAsync(B, () => { }, CancellationToken.None);
        Assert.Equal((null, RejectReason.TooManyConnections), await gate.AdmitAsync(B, () => { }, CancellationToken.None));
        Assert.Equal(3, gate.Waiting);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
    }

    [Fact]
    public async Task A_wait_that_times_out_is_refused_and_leaves_the_queue()
    {
        var gate = Gate(loginsPerAddress: 1, timeoutSeconds: 0.3);
        var first = await Admitted(gate, A);
        Assert.Equal((null, RejectReason.QueueTimedOut), await gate.AdmitAsync(A, () => { }, CancellationToken.None));
        Assert.Equal(0, gate.Waiting);

        // A closed connection leaves the queue too, and the slot it did not get goes to nobody by mistake.
        using var closed = new CancellationTokenSource();
        var waiting = gate.AdmitAsync(A, () => { }, closed.Token).AsTask();
        closed.Cancel();
        Assert.Equal(RejectReason.QueueTimedOut, (await waiting.WaitAsync(Soon)).Refusal);
        first.Dispose();
        Assert.Equal(0, gate.Connections);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task Waiters_of_a_full_address_do_not_hold_up_another_address()
    {
        var gate = Gate(loginsPerAddress: 1);
        await Admitted(gate, A);
        var waitingA = gate.AdmitAsync(A, () => { }, CancellationToken.None).AsTask();
        var b = await gate.AdmitAsync(B, () => { }, CancellationToken.None).AsTask().WaitAsync(Soon);
        Assert.NotNull(b.Ticket);
        Assert.False(waitingA.IsCompleted);
    }

    [Fact]
    public async Task When_every_login_slot_is_taken_a_newcomer_takes_the_oldest_slot_of_the_busiest_address()
    {
        var gate = Gate(logins: 4, loginsPerAddress: 4);
        var evicted = new List<int>();
        var tickets = new List<AdmissionTicket>();
        for (int i = 0; i < 4; i++)
        {
            int n = i;
            tickets.Add(await Admitted(gate, A, () => { lock (evicted) { evicted.Add(n); } }));
        }

        var newcomer = await gate.AdmitAsync(B, () => { }, CancellationToken.None).AsTask().WaitAsync(Soon);
        Assert.NotNull(newcomer.Ticket);
        await WaitUntil(() => { lock (evicted) { return evicted.Count == 1; } });
        Assert.Equal([0], evicted);
        Assert.True(tickets[0].Evicted);

        // B holds 1, A 3: a second newcomer from B still finds A busier; at 2 and 2 nobody gives way.
        Assert.NotNull((await gate.AdmitAsync(B, () => { }, CancellationToken.None)).Ticket);
        await WaitUntil(() => tickets[1].Evicted);
        var third = gate.AdmitAsync(B, () => { }, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(third.IsCompleted);
        tickets[2].Authenticated();
        Assert.NotNull((await third.WaitAsync(Soon)).Ticket);
    }

    [Fact]
    public async Task Ipv6_clients_count_per_prefix()
    {
        var gate = Gate(loginsPerAddress: 1);
        await Admitted(gate, IPAddress.Parse("2001:db8::1"));
        var sameSubscriber = gate.AdmitAsync(IPAddress.Parse("2001:db8::2"), () => { }, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(sameSubscriber.IsCompleted);
        Assert.NotNull((await gate.AdmitAsync(IPAddress.Parse("2001:db8:0:1::1"), () => { }, CancellationToken.None)).Ticket);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition());
    }
}
