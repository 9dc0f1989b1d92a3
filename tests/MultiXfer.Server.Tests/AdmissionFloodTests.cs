using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MultiXfer.TestKit;
using Xunit.Abstractions;

namespace MultiXfer.Server.Tests;

/// <summary>
/// 2000 connections that never log in (silent, or sending a byte a second) from 40 addresses hold the server with
/// its default limits: a client from another address still logs in within a second, over FTP and over SSH, and the
/// server's memory stays bounded.
/// </summary>
public sealed class AdmissionFloodTests(ITestOutputHelper output) : IDisposable
{
    private const int Sources = 40;
    private const int PerSource = 50;
    private readonly string _work = Directory.CreateTempSubdirectory("mx-flood-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static long ResidentBytes(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    [Fact]
    public async Task A_client_from_another_address_logs_in_within_a_second_while_2000_idle_connections_hold_the_server()
    {
        var clients = new UploadingClients(_work);
        await using var server = await clients.StartServerAsync();
        File.WriteAllText(clients.Local("small.bin"), "warm-up\n");
        Assert.Equal(0, (await clients.UploadAsync("sftp", "small.bin", "warm-sftp.bin")).ExitCode);
        Assert.Equal(0, (await clients.UploadAsync("ftp", "small.bin", "warm-ftp.bin")).ExitCode);
        GC.Collect();
        long before = ResidentBytes(server.ProcessId);

        var flood = new List<TcpClient>();
        var dribbling = new List<(NetworkStream Stream, byte[] Text)>();
        try
        {
            for (int source = 0; source < Sources; source++)
            {
                var from = IPAddress.Parse($"127.0.0.{10 + source}");
                for (int i = 0; i < PerSource; i++)
                {
                    // Four kinds, evenly: silent SSH, silent FTP, SSH identification and FTP USER a byte at a time.
                    bool ssh = i % 2 == 0;
                    var client = new TcpClient(new IPEndPoint(from, 0));
                    await client.ConnectAsync(IPAddress.Loopback, ssh ? clients.SshPort : clients.FtpPort);
                    flood.Add(client);
                    if (i % 4 >= 2)
                    {
                        dribbling.Add((client.GetStream(), ssh ? "SSH-2.0-dribble\r\n"u8.ToArray() : "USER dribble\r\n"u8.ToArray()));
                    }
                }
            }

            using var stop = new CancellationTokenSource();
            var dribbler = Task.Run(async () =>
            {
                for (int position = 0; !stop.IsCancellationRequested; position++)
                {
                    foreach (var (stream, text) in dribbling)
                    {
                        try
                        {
                            await stream.WriteAsync(text.AsMemory(position % text.Length, 1));
                        }
                        catch (IOException)
                        {
                            // Closed by the server (its login time ran out, or its slot went to another address).
                        }
                    }

                    await Task.Delay(1000, CancellationToken.None);
                }
            });

            await Task.Delay(3000);
            long during = ResidentBytes(server.ProcessId);

            var ftpLogin = Stopwatch.StartNew();
            await using (var ftp = await RawFtpClient.LoginAsync(clients.FtpPort))
            {
                ftpLogin.Stop();
            }

            var sshLogin = Stopwatch.StartNew();
            var sftp = await clients.UploadAsync("sftp", "small.bin", "during-flood.bin");
            sshLogin.Stop();

            await stop.CancelAsync();
            await dribbler;
            output.WriteLine($"{flood.Count} flood connections from {Sources} addresses; server RSS {before / 1048576.0:0.0} MiB before, " +
                $"{during / 1048576.0:0.0} MiB during ({(during - before) / 1024.0 / flood.Count:0.0} KiB per connection); FTP login " +
                $"{ftpLogin.ElapsedMilliseconds} ms, sftp (process start to exit, upload included) {sshLogin.ElapsedMilliseconds} ms");
            Assert.True(sftp.ExitCode == 0, sftp.ToString());
            Assert.InRange(ftpLogin.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
            Assert.InRange(sshLogin.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
            Assert.InRange(during - before, long.MinValue, 64L * 1024 * 1024);
        }
        finally
        {
            foreach (var client in flood)
            {
                client.Dispose();
            }
        }
    }
}
