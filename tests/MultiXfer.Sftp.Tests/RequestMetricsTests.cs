using System.Text;
using MultiXfer.Sftp.Tests.Client;
using MultiXfer.TestMetrics;

namespace MultiXfer.Sftp.Tests;

/// <summary>multixfer.sftp.requests: one count per answered request, by request name and the answer's status or type.</summary>
public sealed class RequestMetricsTests : SftpTestBase
{
    private const string Requests = "multixfer.sftp.requests";

    [Fact]
    public async Task Requests_count_by_name_and_answer()
    {
        using var meters = new TestMeterFactory();
        var metrics = new SftpMetrics(meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        Harness.Put("a.txt", "hello");
        await using var client = await ConnectAsync(version: 3, metrics: metrics);

        Assert.Equal(Fx.NoSuchFile, (await client.OpenPflagsAsync("missing.txt", Pflags.Read)).StatusCode);
        var handle = await client.OpenReadAsync("a.txt");
        Assert.Equal("hello", Encoding.ASCII.GetString((await client.ReadAsync(handle, 0, 100)).Data));
        Assert.Equal(Fx.Eof, (await client.ReadAsync(handle, 5, 100)).StatusCode);
        Assert.Equal(Fx.Ok, await client.CloseAsync(handle));
        Assert.Equal(Fxp.Attrs, (await client.StatAsync("a.txt")).Type);
        Assert.Equal(Fxp.Name, (await client.RealpathAsync(".")).Type);

        Assert.Equal(
        [
            "request=open,status=no_such_file 1",
            "request=open,status=handle 1",
            "request=read,status=data 1",
            "request=read,status=eof 1",
            "request=close,status=ok 1",
            "request=stat,status=attrs 1",
            "request=realpath,status=name 1",
        ], recorder.Lines(Requests));
    }

    [Fact]
    public async Task Names_the_client_chose_are_tags_only_when_this_server_implements_them()
    {
        using var meters = new TestMeterFactory();
        var metrics = new SftpMetrics(meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        await using var client = await ConnectAsync(version: 3, metrics: metrics);

        Assert.Equal(Fxp.ExtendedReply, (await client.ExtendedAsync("statvfs@openssh.com", b => b.String("/"))).Type);
        Assert.Equal(Fx.OpUnsupported, (await client.ExtendedAsync("secret-name@example.org", null)).StatusCode);
        Assert.Equal(Fx.OpUnsupported, (await client.RequestAsync(99, b => b.String("x"))).StatusCode);
        // LINK is a version 6 request: a version 3 session does not know it, but it has a name.
        Assert.Equal(Fx.OpUnsupported, (await client.RequestAsync(Fxp.Link, b => b.String("a").String("b").Byte(1))).StatusCode);
        // An extended request whose arguments are malformed still counts under its name.
        Assert.Equal(Fx.BadMessage, (await client.ExtendedAsync("hardlink@openssh.com", null)).StatusCode);

        Assert.Equal(
        [
            "request=statvfs@openssh.com,status=extended_reply 1",
            "request=extended_other,status=op_unsupported 1",
            "request=other,status=op_unsupported 1",
            "request=link,status=op_unsupported 1",
            "request=hardlink@openssh.com,status=bad_message 1",
        ], recorder.Lines(Requests));
    }

    [Fact]
    public async Task The_status_is_the_one_the_server_chose_before_folding_for_an_older_version()
    {
        using var meters = new TestMeterFactory();
        var metrics = new SftpMetrics(meters);
        using var recorder = new MeasurementRecorder(metrics.Meter);
        Directory.CreateDirectory(Harness.Host("full"));
        Harness.Put("full/inside.txt", "x");
        await using var client = await ConnectAsync(version: 3, metrics: metrics);

        // Version 3 has no DIR_NOT_EMPTY: the client hears FAILURE, the metric keeps the reason.
        Assert.Equal(Fx.Failure, await client.StatusAsync(Fxp.Rmdir, b => b.String("full")));

        Assert.Equal(["request=rmdir,status=dir_not_empty 1"], recorder.Lines(Requests));
    }
}
