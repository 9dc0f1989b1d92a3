using System.Globalization;
using System.Net;
using System.Text;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Observability;

/// <summary>
/// OpenTelemetry traces over OTLP (http/protobuf): the SDK posts the spans of a curl FTP upload and SFTP download to a
/// receiver on loopback. Protobuf keeps strings as UTF-8 bytes, so the span names and tag values are found in the
/// export bodies without a protobuf parser.
/// </summary>
public sealed class TraceTests
{
    [ClientFact("curl")]
    public async Task Sessions_and_transfers_are_exported_as_spans_when_an_OTLP_endpoint_is_set()
    {
        int port = HaproxyProcess.FreePort(IPAddress.Loopback);
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        receiver.Start();
        var bodies = new List<byte[]>();
        var receiving = Task.Run(async () =>
        {
            while (receiver.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await receiver.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                lock (bodies)
                {
                    bodies.Add(body.ToArray());
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        string name = $"traced-{Guid.NewGuid():N}.bin";
        var server = await TestServer.StartAsync(s =>
        {
            s["Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/v1/traces";
            s["Telemetry:OtlpProtocol"] = "http/protobuf";
        });
        await using (server)
        {
            string local = Path.Combine(server.RootDirectory, "up.bin");
            await File.WriteAllBytesAsync(local, new byte[40_000]);
            string credentials = "alice:" + TestServer.Passwords["alice"];
            var upload = await ProcessRunner.RunAsync("curl", ["-s", "-S", "-u", credentials, "-T", local, $"ftp://127.0.0.1:{server.FtpPort}/{name}"]);
            Assert.True(upload.ExitCode == 0, upload.ToString());
            var download = await ProcessRunner.RunAsync("curl", ["-s", "-S", "-k", "-u", credentials, "-o", "/dev/null", $"sftp://127.0.0.1:{server.SshPort}/{name}"]);
            Assert.True(download.ExitCode == 0, download.ToString());

            // Stopping the server flushes the exporter's batch.
            await server.StopAsync();
        }

        receiver.Stop();
        await receiving;
        string exported;
        lock (bodies)
        {
            exported = string.Join('\n', bodies.Select(b => Encoding.UTF8.GetString(b)));
        }

        Assert.Contains("multixfer.session", exported, StringComparison.Ordinal);
        Assert.Contains("multixfer.transfer", exported, StringComparison.Ordinal);
        Assert.Contains("/" + name, exported, StringComparison.Ordinal);
        Assert.Contains("STOR", exported, StringComparison.Ordinal);
        Assert.Contains("sftp", exported, StringComparison.Ordinal);
        Assert.Contains("client.address", exported, StringComparison.Ordinal);
    }
}
