using MultiXfer.Interop.Tests.Ssh;
using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Scp;

/// <summary>
/// scp is a protocol of its own in Users:NAME:Protocols: a user allowed only sftp cannot run "scp -t/-f" (the exec
/// request is refused), a user allowed only scp cannot open the SFTP subsystem. Here bob may use only sftp, reader
/// (read-only, alice's home) only scp.
/// </summary>
public sealed class ScpAccessTests : ScpTestBase
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Users:bob:Protocols:0"] = "sftp";
        settings["Users:reader:Protocols:0"] = "scp";
    }

    [ClientFact("scp")]
    public async Task A_user_allowed_only_sftp_cannot_use_legacy_scp()
    {
        Write(Local("f.txt"), "bob");
        var legacy = await ScpWithPasswordAsync("bob", true, Local("f.txt"), "bob@127.0.0.1:");
        Assert.NotEqual(0, legacy.ExitCode);
        Assert.False(File.Exists(Path.Combine(Server.HomeOf("bob"), "f.txt")));
        Assert.True(await SshTestSupport.WaitForLogAsync(Server, "refused scp -t .: user may not use scp", TimeSpan.FromSeconds(5)), Server.ReadLog());

        var sftp = await ScpWithPasswordAsync("bob", false, Local("f.txt"), "bob@127.0.0.1:");
        Assert.True(sftp.ExitCode == 0, sftp.ToString());
        Assert.Equal("bob", File.ReadAllText(Path.Combine(Server.HomeOf("bob"), "f.txt")));
    }

    [ClientFact("scp")]
    public async Task A_user_allowed_only_scp_cannot_use_sftp()
    {
        Write(Remote("r.txt"), "for reader");
        var legacy = await ScpWithPasswordAsync("reader", true, "reader@127.0.0.1:r.txt", Local("legacy.txt"));
        Assert.True(legacy.ExitCode == 0, legacy.ToString());
        Assert.Equal("for reader", File.ReadAllText(Local("legacy.txt")));

        var sftp = await ScpWithPasswordAsync("reader", false, "reader@127.0.0.1:r.txt", Local("sftp.txt"));
        Assert.NotEqual(0, sftp.ExitCode);
        Assert.False(File.Exists(Local("sftp.txt")));
    }
}
