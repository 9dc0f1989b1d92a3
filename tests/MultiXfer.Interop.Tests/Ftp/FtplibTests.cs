using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>Python's ftplib, a client written by others, drives every command the server implements.</summary>
public sealed class FtplibTests
{
    /// <summary>The commands the foundation issue names, as ftplib must have sent them.</summary>
    private static readonly string[] RequiredVerbs =
    [
        "USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "REIN", "QUIT", "PORT", "PASV", "TYPE", "STRU", "MODE", "RETR", "STOR",
        "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR", "DELE", "RMD", "MKD", "PWD", "LIST", "NLST", "SITE", "SYST",
        "STAT", "HELP", "NOOP", "XCWD", "XCUP", "XMKD", "XPWD", "XRMD", "FEAT", "OPTS", "EPRT", "EPSV", "SIZE", "MDTM", "MLST",
        "MLSD", "MFMT", "CLNT",
    ];

    [ClientFact(ClientTools.Python)]
    public async Task Ftplib_exercises_every_command_with_the_expected_replies_and_effects()
    {
        await using var server = await TestServer.StartAsync();
        string script = Path.Combine(AppContext.BaseDirectory, "Clients", "ftplib_every_command.py");
        var result = await ProcessRunner.RunAsync(ClientTools.Python,
            [script, server.FtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "alice", TestServer.Passwords["alice"],
                server.HomeOf("alice")], TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, result.ToString());
        string verbsLine = result.Output.Split('\n').Single(l => l.StartsWith("VERBS ", StringComparison.Ordinal));
        var sent = verbsLine[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Assert.Empty(RequiredVerbs.Except(sent));
    }
}
