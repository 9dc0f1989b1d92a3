using System.Globalization;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>
/// After the key exchange everything is encrypted, so these tests drive paramiko (Clients/ssh_hostile.py), which
/// completes the exchange like any client and then sends, through its transport internals, what no client would:
/// messages of the wrong phase, window abuse, data beyond the window, unknown channels and messages.
/// </summary>
public sealed class SshHostileEncryptedTests(SshHostileServer fixture) : IClassFixture<SshHostileServer>
{
    private TestServer Server => fixture.Server;

    [ClientFact(ClientTools.Python)]
    public async Task A_userauth_request_before_the_service_request_is_a_protocol_error()
    {
        var report = await HostileParamiko.RunAsync(Server, "userauth-before-service");
        report.AssertDisconnected(Reason.ProtocolError, "expected a service request, received message 50");
    }

    [ClientFact(ClientTools.Python)]
    public async Task A_channel_open_before_the_service_request_is_a_protocol_error()
    {
        var report = await HostileParamiko.RunAsync(Server, "channel-open-before-auth");
        report.AssertDisconnected(Reason.ProtocolError, "message 90 before authentication");
    }

    [ClientFact(ClientTools.Python)]
    public async Task A_channel_open_during_authentication_is_a_protocol_error()
    {
        var report = await HostileParamiko.RunAsync(Server, "channel-open-during-auth");
        report.AssertDisconnected(Reason.ProtocolError, "message 90 before authentication");
    }

    [ClientFact(ClientTools.Python)]
    public async Task A_global_request_during_authentication_is_a_protocol_error()
    {
        var report = await HostileParamiko.RunAsync(Server, "global-request-during-auth");
        Assert.True(report.First("ALIVE") == "True", "the connection did not survive the 'none' attempt\n" + report);
        report.AssertDisconnected(Reason.ProtocolError, "message 80 before authentication");
    }

    [ClientFact(ClientTools.Python)]
    public async Task A_window_adjust_beyond_2_to_the_32_minus_1_is_a_protocol_error()
    {
        var report = await HostileParamiko.RunAsync(Server, "window-adjust-overflow");
        Assert.True(report.First("ALIVE") == "True", "growing the window to exactly 2^32-1 ended the connection\n" + report);
        report.AssertDisconnected(Reason.ProtocolError, "overflows the window");
    }

    [ClientFact(ClientTools.Python)]
    public async Task Data_beyond_the_granted_window_is_a_protocol_error()
    {
        var report = await HostileParamiko.RunAsync(Server, "data-beyond-window");
        Assert.True(report.First("ALIVE") == "True", "data filling exactly the 2 MiB window ended the connection\n" + report);
        report.AssertDisconnected(Reason.ProtocolError, "beyond the window");
    }

    [ClientFact(ClientTools.Python)]
    public async Task Data_larger_than_the_granted_maximum_packet_is_a_protocol_error()
    {
        var report = await HostileParamiko.RunAsync(Server, "data-over-max-packet");
        report.AssertDisconnected(Reason.ProtocolError, "packet limit");
    }

    [ClientFact(ClientTools.Python)]
    public async Task An_encrypted_packet_over_256_KiB_is_a_protocol_error()
    {
        var report = await HostileParamiko.RunAsync(Server, "oversized-packet");
        report.AssertDisconnected(Reason.ProtocolError, "exceeds the limit");
    }

    [ClientFact(ClientTools.Python)]
    public async Task A_channel_with_window_and_maximum_packet_of_2_to_the_32_minus_1_works_in_32_KiB_packets()
    {
        var report = await HostileParamiko.RunAsync(Server, "huge-window-echo");
        Assert.True(report.Result.ExitCode == 0, report.ToString());
        Assert.True(report.First("ECHO") == $"ok {300 * 1024} status 0", report.ToString());
        int largest = int.Parse(report.First("MAXDATA")!, CultureInfo.InvariantCulture);
        Assert.InRange(largest, 1, 32 * 1024);
        Assert.Equal("True", report.First("ALIVE"));
    }

    [ClientFact(ClientTools.Python)]
    public async Task Data_on_a_channel_that_does_not_exist_is_a_protocol_error()
    {
        var report = await HostileParamiko.RunAsync(Server, "data-unknown-channel");
        report.AssertDisconnected(Reason.ProtocolError, "no open channel 77");
    }

    [ClientFact(ClientTools.Python)]
    public async Task An_unknown_message_number_gets_unimplemented_and_the_connection_stays_usable()
    {
        var report = await HostileParamiko.RunAsync(Server, "unknown-message");
        Assert.True(report.Result.ExitCode == 0, report.ToString());
        string? unimplemented = report.First("UNIMPLEMENTED");
        Assert.True(unimplemented is not null && unimplemented.Split(' ') is [var answered, "SENT", var sent] && answered == sent,
            "SSH_MSG_UNIMPLEMENTED missing or naming the wrong sequence number\n" + report);
        Assert.Equal("ok 65536 status 0", report.First("ECHO"));
        Assert.Equal("True", report.First("ALIVE"));
        Assert.Null(report.First("DISCONNECT"));
    }

    [ClientFact(ClientTools.Python)]
    public async Task A_password_longer_than_1024_bytes_is_refused_before_hashing_like_any_failed_login()
    {
        var report = await HostileParamiko.RunAsync(Server, "password-1025");
        Assert.True(report.Result.ExitCode == 0, report.ToString());
        Assert.True(report.All("AUTH").SequenceEqual(["failed", "ok"]) && report.All("ALIVE").SequenceEqual(["True", "True"]),
            "an over-long password should fail as a login, leaving the connection open for the right one\n" + report);
        Assert.Contains("password longer than 1024 bytes", await Server.WaitForLogAsync("password longer than 1024 bytes"), StringComparison.Ordinal);
    }

    [ClientFact(ClientTools.Python)]
    public async Task A_wrong_password_of_exactly_1024_bytes_is_an_ordinary_failure()
    {
        var report = await HostileParamiko.RunAsync(Server, "password-1024");
        Assert.True(report.Result.ExitCode == 0, report.ToString());
        Assert.True(report.All("AUTH").SequenceEqual(["failed", "ok"]) && report.All("ALIVE").SequenceEqual(["True", "True"]),
            "a 1024-byte wrong password should fail like any other and leave the connection open for the right one\n" + report);
    }

    [ClientFact(ClientTools.Python)]
    public async Task A_repeated_service_request_during_authentication_is_accepted()
    {
        // Not hostile but paramiko's normal retry: every auth_* call repeats SERVICE_REQUEST "ssh-userauth".
        var report = await HostileParamiko.RunAsync(Server, "password-retry");
        Assert.True(report.Result.ExitCode == 0, report.ToString());
        Assert.True(report.All("AUTH").SequenceEqual(["failed", "ok"]) && report.First("DISCONNECT") is null,
            "a second password attempt after a repeated service request should succeed\n" + report);
    }
}
