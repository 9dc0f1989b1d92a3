using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MultiXfer.TestKit;
using static MultiXfer.Container.Tests.Checks;

namespace MultiXfer.Container.Tests;

/// <summary>
/// Real clients of every protocol against one container of the image, through its published ports: each upload is
/// checked in the data volume, each download against what was uploaded.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed partial class ProtocolTests(MultiXferImage image, SharedServer shared) : IClassFixture<SharedServer>
{
    private Login Login => shared.Login;

    private async Task<(ServerContainer Server, TransferClients Clients)> StartAsync()
    {
        var server = await shared.StartOnceAsync(image.Image);
        return (server, new TransferClients(server.Ports, shared.HostPublicKeys));
    }

    [DockerFact]
    public async Task OpenSsh_sftp_with_a_password_uploads_and_downloads()
    {
        var (server, clients) = await StartAsync();
        using var _ = clients;
        string dir = Unique("sftp");
        byte[] content = clients.LocalFile("up.bin", 1_500_000);

        var result = await clients.SftpAsync(Login, [$"mkdir {dir}", $"put up.bin {dir}/up.bin", $"get {dir}/up.bin down.bin", $"ls -l {dir}"]);

        AssertOk(result, "sftp");
        await AssertServerHoldsAsync(server, $"{dir}/up.bin", content);
        AssertLocalHolds(clients.Local("down.bin"), content);
        Assert.Contains("up.bin", result.Output);
    }

    [DockerFact]
    public async Task OpenSsh_scp_with_a_password_copies_both_ways_over_sftp_and_the_legacy_scp_protocol()
    {
        var (server, clients) = await StartAsync();
        using var _ = clients;
        foreach (bool legacy in new[] { false, true })
        {
            string name = Unique(legacy ? "scp-legacy" : "scp-sftp") + ".bin";
            byte[] content = clients.LocalFile(name, 1_200_000);

            AssertOk(await clients.ScpAsync(Login, legacy, name, TransferClients.Remote(Login, name)), $"scp upload (legacy {legacy})");
            await AssertServerHoldsAsync(server, name, content);
            AssertOk(await clients.ScpAsync(Login, legacy, TransferClients.Remote(Login, name), "back-" + name), $"scp download (legacy {legacy})");
            AssertLocalHolds(clients.Local("back-" + name), content);
        }
    }

    /// <summary>PASV, not EPSV: the reply's address must be the one configured (127.0.0.1), its port a published one.</summary>
    [DockerFact]
    public async Task Lftp_ftp_transfers_over_passive_connections_through_the_published_range()
    {
        var (server, clients) = await StartAsync();
        using var _ = clients;
        string dir = Unique("lftp-ftp");
        byte[] content = clients.LocalFile("up.bin", 2_000_000);

        var result = await clients.LftpAsync(Login, $"ftp://127.0.0.1:{server.Ports.Ftp}",
            $"set ftp:ssl-allow no; set ftp:passive-mode on; set ftp:prefer-epsv no; mkdir {dir}; put up.bin -o {dir}/up.bin; " +
            $"cls -l {dir}; get {dir}/up.bin -o down.bin", debug: true);

        AssertOk(result, "lftp over FTP");
        await AssertServerHoldsAsync(server, $"{dir}/up.bin", content);
        AssertLocalHolds(clients.Local("down.bin"), content);
        AssertPassiveReplies(server, result.Output + result.Error);
    }

    [DockerFact]
    public async Task Lftp_explicit_ftps_protects_the_control_and_data_connections()
    {
        var (server, clients) = await StartAsync();
        using var _ = clients;
        string dir = Unique("lftp-ftps");
        byte[] content = clients.LocalFile("up.bin", 1_500_000);

        var result = await clients.LftpAsync(Login, $"ftp://127.0.0.1:{server.Ports.Ftp}",
            "set ftp:ssl-force true; set ftp:ssl-protect-data true; set ftp:ssl-protect-list true; set ssl:verify-certificate no; " +
            $"mkdir {dir}; put up.bin -o {dir}/up.bin; cls -l {dir}; get {dir}/up.bin -o down.bin", debug: true);

        AssertOk(result, "lftp over explicit FTPS");
        string dialogue = result.Output + result.Error;
        Assert.True(dialogue.Contains("AUTH TLS", StringComparison.Ordinal), $"lftp did not send AUTH TLS:\n{dialogue}");
        Assert.True(dialogue.Contains("PROT P", StringComparison.Ordinal), $"lftp did not protect the data connections (PROT P):\n{dialogue}");
        await AssertServerHoldsAsync(server, $"{dir}/up.bin", content);
        AssertLocalHolds(clients.Local("down.bin"), content);
    }

    [DockerFact]
    public async Task Lftp_implicit_ftps_on_port_990_uploads_and_downloads()
    {
        var (server, clients) = await StartAsync();
        using var _ = clients;
        string dir = Unique("lftp-implicit");
        byte[] content = clients.LocalFile("up.bin", 1_500_000);

        var result = await clients.LftpAsync(Login, $"ftps://127.0.0.1:{server.Ports.Ftps}",
            $"set ssl:verify-certificate no; mkdir {dir}; put up.bin -o {dir}/up.bin; cls -l {dir}; get {dir}/up.bin -o down.bin");

        AssertOk(result, "lftp over implicit FTPS");
        await AssertServerHoldsAsync(server, $"{dir}/up.bin", content);
        AssertLocalHolds(clients.Local("down.bin"), content);
    }

    [DockerFact]
    public async Task Curl_ftp_uploads_lists_and_downloads_with_PASV_advertising_the_configured_address()
    {
        var (server, clients) = await StartAsync();
        using var _ = clients;
        string dir = Unique("curl-ftp");
        string url = $"ftp://127.0.0.1:{server.Ports.Ftp}/{dir}/";
        byte[] content = clients.LocalFile("up.bin", 2_000_000);

        AssertOk(await clients.CurlAsync(Login, "--ftp-create-dirs", "-T", "up.bin", url + "up.bin"), "curl FTP upload");
        await AssertServerHoldsAsync(server, $"{dir}/up.bin", content);
        var listing = await clients.CurlAsync(Login, "--disable-epsv", "--verbose", url);
        AssertOk(listing, "curl FTP listing");
        Assert.Contains("up.bin", listing.Output);
        AssertPassiveReplies(server, listing.Error);
        AssertOk(await clients.CurlAsync(Login, "-o", "down.bin", url + "up.bin"), "curl FTP download");
        AssertLocalHolds(clients.Local("down.bin"), content);
    }

    [DockerFact]
    public async Task Curl_sftp_with_the_host_key_pinned_uploads_and_downloads()
    {
        var (server, clients) = await StartAsync();
        using var _ = clients;
        var version = await ProcessRunner.RunAsync("curl", ["-V"]);
        Assert.True(SftpProtocol().IsMatch(version.Output), $"this curl has no sftp:// (libssh2): {version.Output}");
        string pin = TransferClients.HostKeySha256(shared.HostPublicKeys.Single(k => k.StartsWith("ssh-ed25519 ", StringComparison.Ordinal)));
        string name = Unique("curl-sftp") + ".bin";
        string url = $"sftp://127.0.0.1:{server.Ports.Ssh}/~/{name}";
        byte[] content = clients.LocalFile("up.bin", 1_500_000);

        AssertOk(await clients.CurlAsync(Login, "--hostpubsha256", pin, "-T", "up.bin", url), "curl SFTP upload");
        await AssertServerHoldsAsync(server, name, content);
        AssertOk(await clients.CurlAsync(Login, "--hostpubsha256", pin, "-o", "down.bin", url), "curl SFTP download");
        AssertLocalHolds(clients.Local("down.bin"), content);
    }

    /// <summary>Port 2100 tells the protocols apart by their first bytes (or the client's silence, for FTP).</summary>
    [DockerFact]
    public async Task Auto_port_2100_serves_sftp_ftp_and_implicit_ftps()
    {
        var (server, clients) = await StartAsync();
        using var _ = clients;
        string dir = Unique("auto");
        int auto = server.Ports.Auto;
        byte[] content = clients.LocalFile("up.bin", 1_000_000);

        AssertOk(await clients.SftpAsync(Login, [$"mkdir {dir}", $"put up.bin {dir}/up.bin", $"get {dir}/up.bin sftp-down.bin"], port: auto), "sftp on the auto port");
        await AssertServerHoldsAsync(server, $"{dir}/up.bin", content);
        AssertLocalHolds(clients.Local("sftp-down.bin"), content);

        AssertOk(await clients.CurlAsync(Login, "-o", "ftp-down.bin", $"ftp://127.0.0.1:{auto}/{dir}/up.bin"), "curl FTP on the auto port");
        AssertLocalHolds(clients.Local("ftp-down.bin"), content);

        AssertOk(await clients.CurlAsync(Login, "--insecure", "-o", "ftps-down.bin", $"ftps://127.0.0.1:{auto}/{dir}/up.bin"), "curl implicit FTPS on the auto port");
        AssertLocalHolds(clients.Local("ftps-down.bin"), content);
    }

    /// <summary>PID 1 is the server itself (exec-form ENTRYPOINT, so it gets docker stop's SIGTERM), as uid 10001, which owns what it made.</summary>
    [DockerFact]
    public async Task Server_process_runs_as_the_non_root_user_and_owns_what_it_writes()
    {
        var (server, clients) = await StartAsync();
        using var _ = clients;

        var status = await server.ExecAsync("cat", "/proc/1/status");
        Assert.True(status.ExitCode == 0, $"cat /proc/1/status: {status.Stderr}");
        string uidLine = status.Stdout.Split('\n').Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        string[] uids = uidLine.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.True(uids.All(u => u == ServerContainer.UserId.ToString(CultureInfo.InvariantCulture)),
            $"PID 1 runs as real/effective/saved/fs uid {string.Join('/', uids)}, expected {ServerContainer.UserId} for all");

        byte[] commandLine = await ReadProcAsync(server, "/proc/1/cmdline");
        Assert.Contains(ServerContainer.ServerDll, Encoding.UTF8.GetString(commandLine).Replace('\0', ' '), StringComparison.Ordinal);

        var owners = await server.ExecAsync("stat", "-c", "%u %n", ServerContainer.KeysDirectory + "/ssh_host_ed25519_key",
            ServerContainer.KeysDirectory + "/tls.crt", ServerContainer.StateDirectory, ServerContainer.DataDirectory);
        Assert.True(owners.ExitCode == 0, $"stat: {owners.Stderr}");
        foreach (string line in owners.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(line.StartsWith(ServerContainer.UserId + " ", StringComparison.Ordinal), $"not owned by {ServerContainer.UserId}: {line}");
        }
    }

    private static async Task<byte[]> ReadProcAsync(ServerContainer server, string path)
    {
        // /proc files report size 0, so docker cp would read them empty; cat reads them.
        var result = await server.ExecAsync("cat", path);
        Assert.True(result.ExitCode == 0, $"cat {path}: {result.Stderr}");
        return Encoding.UTF8.GetBytes(result.Stdout);
    }

    /// <summary>Every 227 reply in a client's dialogue names 127.0.0.1 and a port of the published passive range.</summary>
    private static void AssertPassiveReplies(ServerContainer server, string dialogue)
    {
        var replies = PassiveReply().Matches(dialogue);
        Assert.True(replies.Count > 0, $"no 227 reply (PASV) in the client's dialogue:\n{dialogue}");
        foreach (Match reply in replies)
        {
            string address = string.Join('.', Enumerable.Range(1, 4).Select(i => reply.Groups[i].Value));
            int port = int.Parse(reply.Groups[5].Value, CultureInfo.InvariantCulture) * 256 + int.Parse(reply.Groups[6].Value, CultureInfo.InvariantCulture);
            Assert.True(address == "127.0.0.1", $"PASV advertised {address}, not the configured 127.0.0.1: {reply.Value}");
            Assert.True(port >= server.PassiveFirst && port <= server.PassiveLast,
                $"PASV advertised port {port}, outside the published range {server.PassiveFirst}-{server.PassiveLast}: {reply.Value}");
        }
    }

    [GeneratedRegex(@"227 [^(\r\n]*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)")]
    private static partial Regex PassiveReply();

    [GeneratedRegex(@"(?m)^Protocols:.* sftp( |$)")]
    private static partial Regex SftpProtocol();
}
