using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Sftp;

/// <summary>
/// Per-user SFTP settings as clients see them: the VERSION packet (read raw through paramiko's subsystem channel),
/// what disabled extensions answer, and how OpenSSH's sftp and lftp behave with them.
/// </summary>
public sealed class SftpExtensionPolicyTests(SftpServer fixture) : IClassFixture<SftpServer>
{
    private static readonly string[] Probes = ["copy-data", "posix-rename@openssh.com", "check-file-handle", "limits@openssh.com", "nonsense@example.com"];

    private TestServer Server => fixture.Server;

    private async Task<ParamikoResult> VersionAsync(string user, int initVersion)
    {
        string home = Server.HomeOf(user);
        await File.WriteAllBytesAsync(Path.Combine(home, "probe.bin"), SshTestSupport.RandomBytes(1000));
        return (await ParamikoSftp.RunAsync(Server, "version", user, ["--init-version", initVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. Probes.SelectMany(p => new[] { "--probe", p })])).Ok();
    }

    [ClientFact(ClientTools.Python)]
    public async Task The_default_user_gets_version_6_and_every_extension()
    {
        var result = await VersionAsync("alice", 6);
        Assert.Equal("2", result.Value("REPLY_TYPE"));
        Assert.Equal("6", result.Value("VERSION"));
        var extensions = ParamikoSftp.Extensions(result);
        foreach (string name in new[] { "posix-rename@openssh.com", "hardlink@openssh.com", "fsync@openssh.com", "lsetstat@openssh.com",
                     "limits@openssh.com", "expand-path@openssh.com", "copy-data", "home-directory", "users-groups-by-id@openssh.com" })
        {
            Assert.True(extensions.TryGetValue(name, out string? value) && value == "1", $"{name}: {value ?? "missing"}\n{result}");
        }

        Assert.Equal("2", extensions["statvfs@openssh.com"]);
        Assert.Equal("3,4,5,6", extensions["versions"]);
        Assert.Contains("sha256", extensions["check-file"].Split(','));
        Assert.Contains("supported2", extensions.Keys);
        Assert.Contains("newline", extensions.Keys);
        Assert.Equal("handle", result.Value("OPEN"));

        var probes = ParamikoSftp.Probes(result);
        Assert.DoesNotMatch("^8 ", probes["copy-data"]);
        Assert.StartsWith("2 ", probes["posix-rename@openssh.com"], StringComparison.Ordinal); // NO_SUCH_FILE: it ran
        Assert.Equal("reply", probes["check-file-handle"]);
        Assert.Equal("reply", probes["limits@openssh.com"]);
        Assert.StartsWith("8 ", probes["nonsense@example.com"], StringComparison.Ordinal);
        Assert.Contains("SFTP session started: version 6 (client offered 6)", await Server.WaitForLogAsync("version 6 (client offered 6)"),
            StringComparison.Ordinal);
    }

    /// <summary>
    /// The limited user (MaxVersion 4, -copy-data, -posix-rename@openssh.com): a client offering 6 gets 4, the removed
    /// extensions are not announced, and asking for them anyway gets SSH_FX_OP_UNSUPPORTED (8).
    /// </summary>
    [ClientFact(ClientTools.Python)]
    public async Task The_limited_user_gets_version_4_without_the_removed_extensions()
    {
        var result = await VersionAsync(SftpServer.LimitedUser, 6);
        Assert.Equal("4", result.Value("VERSION"));
        var extensions = ParamikoSftp.Extensions(result);
        foreach (string removed in SftpServer.LimitedUserRemovedExtensions)
        {
            Assert.DoesNotContain(removed, extensions.Keys);
        }

        Assert.Equal("1", extensions["hardlink@openssh.com"]);
        Assert.Equal("3,4", extensions["versions"]);
        Assert.DoesNotContain("supported2", extensions.Keys);
        Assert.Equal("handle", result.Value("OPEN"));

        var probes = ParamikoSftp.Probes(result);
        Assert.StartsWith("8 ", probes["copy-data"], StringComparison.Ordinal);
        Assert.StartsWith("8 ", probes["posix-rename@openssh.com"], StringComparison.Ordinal);
        Assert.Equal("reply", probes["check-file-handle"]);
        Assert.Equal("reply", probes["limits@openssh.com"]);
        string started = "SFTP session started: version 4 (client offered 6)";
        Assert.Contains(started, await Server.WaitForLogAsync(started), StringComparison.Ordinal);

        // A version 3 client still gets 3, with the same extensions.
        var three = await VersionAsync(SftpServer.LimitedUser, 3);
        Assert.Equal("3", three.Value("VERSION"));
        Assert.Equal(extensions.Keys.Where(k => k != "newline").Order(StringComparer.Ordinal),
            ParamikoSftp.Extensions(three).Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>lftp asks for version 6 and works in version 4 (its listing shows the version 4 attribute format).</summary>
    [ClientFact("lftp")]
    public async Task Lftp_asking_for_version_6_works_in_version_4_for_the_limited_user()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        string home = Server.HomeOf(SftpServer.LimitedUser);
        string name = SftpTestSupport.UniqueName("v4") + ".bin";
        byte[] data = SshTestSupport.RandomBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(home, name), data);
        int before = SftpTestSupport.CountLogLines(Server, "SFTP session started: version 4 (client offered 6)");

        var result = await SftpTestSupport.LftpAsync(Server, fixture.Client, work, 6, $"ls; get {name} -o copy.bin", SftpServer.LimitedUser);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches($@"(?m)^-rw\S+\s+\S+/\S+\s+300000 \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {name.Replace(".", @"\.", StringComparison.Ordinal)}$", result.Output);
        SftpTestSupport.AssertFileBytes(data, Path.Combine(work, "copy.bin"));
        Assert.Equal(before + 1, await SftpTestSupport.WaitForLogLinesAsync(Server, "SFTP session started: version 4 (client offered 6)", before + 1));
    }

    /// <summary>
    /// OpenSSH's sftp follows the announcement: for the limited user cp says the server lacks copy-data and rename
    /// falls back to SSH_FXP_RENAME (which never replaces); alice's rename replaces through posix-rename.
    /// </summary>
    [ClientFact("sftp")]
    public async Task OpenSsh_sftp_does_without_the_removed_extensions()
    {
        string work = SftpTestSupport.NewWorkDirectory(Server);
        foreach (string user in new[] { "alice", SftpServer.LimitedUser })
        {
            await File.WriteAllTextAsync(Path.Combine(Server.HomeOf(user), "a.txt"), "a");
            await File.WriteAllTextAsync(Path.Combine(Server.HomeOf(user), "b.txt"), "b");
        }

        var limited = await SftpTestSupport.SftpBatchAsync(Server, fixture.Client, work, ["-cp a.txt c.txt", "-rename a.txt b.txt"], SftpServer.LimitedUser);
        Assert.True(limited.ExitCode == 0, limited.ToString());
        Assert.Contains("Server does not support copy-data extension", limited.Error, StringComparison.Ordinal);
        Assert.Contains("remote rename \"/a.txt\" to \"/b.txt\": Failure", limited.Error, StringComparison.Ordinal);
        string home = Server.HomeOf(SftpServer.LimitedUser);
        Assert.False(File.Exists(Path.Combine(home, "c.txt")));
        Assert.Equal("a", await File.ReadAllTextAsync(Path.Combine(home, "a.txt")));
        Assert.Equal("b", await File.ReadAllTextAsync(Path.Combine(home, "b.txt")));

        var alice = await SftpTestSupport.SftpBatchAsync(Server, fixture.Client, work, ["cp a.txt c.txt", "rename a.txt b.txt"]);
        Assert.True(alice.ExitCode == 0, alice.ToString());
        Assert.Equal("a", await File.ReadAllTextAsync(Path.Combine(Server.HomeOf("alice"), "c.txt")));
        Assert.Equal("a", await File.ReadAllTextAsync(Path.Combine(Server.HomeOf("alice"), "b.txt")));
        Assert.False(File.Exists(Path.Combine(Server.HomeOf("alice"), "a.txt")));
    }
}

/// <summary>
/// A server whose global Sftp settings offer version 5 at most without check-file and statvfs@openssh.com; the
/// limited user adds statvfs@openssh.com back for himself.
/// </summary>
public sealed class GlobalSftpPolicyServer : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public OpenSshClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(settings =>
        {
            settings["Sftp:MaxVersion"] = "5";
            settings["Sftp:Extensions:0"] = "-check-file";
            settings["Sftp:Extensions:1"] = "-statvfs@openssh.com";
            settings[$"Users:{SftpServer.LimitedUser}:AuthorizedKeys:0"] = SshTestKeys.ClientPublicKey("id_ed25519");
            settings[$"Users:{SftpServer.LimitedUser}:Sftp:Extensions:0"] = "+statvfs@openssh.com";
        });
        Directory.CreateDirectory(Server.HomeOf(SftpServer.LimitedUser));
        Client = new OpenSshClient(Server);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Global Sftp:MaxVersion and Sftp:Extensions, and a user's additions on top of them.</summary>
public sealed class GlobalSftpPolicyTests(GlobalSftpPolicyServer fixture) : IClassFixture<GlobalSftpPolicyServer>
{
    [ClientFact(ClientTools.Python)]
    public async Task Global_settings_apply_and_a_user_can_add_an_extension_back()
    {
        await File.WriteAllBytesAsync(Path.Combine(fixture.Server.HomeOf("alice"), "probe.bin"), SshTestSupport.RandomBytes(100));
        await File.WriteAllBytesAsync(Path.Combine(fixture.Server.HomeOf(SftpServer.LimitedUser), "probe.bin"), SshTestSupport.RandomBytes(100));

        var alice = (await ParamikoSftp.RunAsync(fixture.Server, "version", "alice", "--init-version", "6", "--probe", "check-file-handle",
            "--probe", "statvfs@openssh.com")).Ok();
        Assert.Equal("5", alice.Value("VERSION"));
        Assert.DoesNotContain("check-file", ParamikoSftp.Extensions(alice).Keys);
        Assert.DoesNotContain("statvfs@openssh.com", ParamikoSftp.Extensions(alice).Keys);
        Assert.Equal("3,4,5", ParamikoSftp.Extensions(alice)["versions"]);
        Assert.StartsWith("8 ", ParamikoSftp.Probes(alice)["check-file-handle"], StringComparison.Ordinal);
        Assert.StartsWith("8 ", ParamikoSftp.Probes(alice)["statvfs@openssh.com"], StringComparison.Ordinal);

        var limited = (await ParamikoSftp.RunAsync(fixture.Server, "version", SftpServer.LimitedUser, "--init-version", "3", "--probe",
            "check-file-handle", "--probe", "statvfs@openssh.com")).Ok();
        Assert.Equal("3", limited.Value("VERSION"));
        Assert.Equal("2", ParamikoSftp.Extensions(limited)["statvfs@openssh.com"]);
        Assert.DoesNotContain("check-file", ParamikoSftp.Extensions(limited).Keys);
        Assert.Equal("reply", ParamikoSftp.Probes(limited)["statvfs@openssh.com"]);
        Assert.StartsWith("8 ", ParamikoSftp.Probes(limited)["check-file-handle"], StringComparison.Ordinal);
    }

    /// <summary>OpenSSH's df needs statvfs@openssh.com: refused for alice, working for the user who has it.</summary>
    [ClientFact("sftp")]
    public async Task OpenSsh_df_follows_the_statvfs_setting()
    {
        string work = SftpTestSupport.NewWorkDirectory(fixture.Server);
        var alice = await SftpTestSupport.SftpBatchAsync(fixture.Server, fixture.Client, work, ["-df", "pwd"]);
        Assert.True(alice.ExitCode == 0, alice.ToString());
        Assert.Contains("Server does not support statvfs@openssh.com extension", alice.Error, StringComparison.Ordinal);

        var limited = await SftpTestSupport.SftpBatchAsync(fixture.Server, fixture.Client, work, ["df"], SftpServer.LimitedUser);
        Assert.True(limited.ExitCode == 0, limited.ToString());
        Assert.Matches(@"(?m)^\s*\d+\s+\d+\s+\d+\s+\d+\s+\d+%\s*$", limited.Output);
    }
}

/// <summary>
/// A server whose SSH listener (for SSH, the virtual host) offers SFTP version 4 at most and no hardlink@openssh.com;
/// the limited user adds hardlink back on top of the listener's set.
/// </summary>
public sealed class ListenerSftpPolicyServer : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(settings =>
        {
            settings["Listeners:ssh:Sftp:MaxVersion"] = "4";
            settings["Listeners:ssh:Sftp:Extensions:0"] = "-hardlink@openssh.com";
            settings[$"Users:{SftpServer.LimitedUser}:AuthorizedKeys:0"] = SshTestKeys.ClientPublicKey("id_ed25519");
            settings[$"Users:{SftpServer.LimitedUser}:Sftp:Extensions:0"] = "+hardlink@openssh.com";
        });
        Directory.CreateDirectory(Server.HomeOf(SftpServer.LimitedUser));
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Listener-level Sftp settings sit between the global ones and the user's.</summary>
public sealed class ListenerSftpPolicyTests(ListenerSftpPolicyServer fixture) : IClassFixture<ListenerSftpPolicyServer>
{
    [ClientFact(ClientTools.Python)]
    public async Task The_listener_s_settings_apply_and_a_user_can_add_an_extension_back()
    {
        foreach (string user in new[] { "alice", SftpServer.LimitedUser })
        {
            await File.WriteAllBytesAsync(Path.Combine(fixture.Server.HomeOf(user), "probe.bin"), SshTestSupport.RandomBytes(100));
        }

        var alice = (await ParamikoSftp.RunAsync(fixture.Server, "version", "alice", "--init-version", "6", "--probe",
            "hardlink@openssh.com")).Ok();
        Assert.Equal("4", alice.Value("VERSION"));
        Assert.DoesNotContain("hardlink@openssh.com", ParamikoSftp.Extensions(alice).Keys);
        Assert.Equal("3,4", ParamikoSftp.Extensions(alice)["versions"]);
        Assert.StartsWith("8 ", ParamikoSftp.Probes(alice)["hardlink@openssh.com"], StringComparison.Ordinal);

        var limited = (await ParamikoSftp.RunAsync(fixture.Server, "version", SftpServer.LimitedUser, "--init-version", "6", "--probe",
            "hardlink@openssh.com")).Ok();
        Assert.Equal("4", limited.Value("VERSION"));
        Assert.Equal("1", ParamikoSftp.Extensions(limited)["hardlink@openssh.com"]);
        Assert.DoesNotMatch("^8 ", ParamikoSftp.Probes(limited)["hardlink@openssh.com"]);
    }
}
