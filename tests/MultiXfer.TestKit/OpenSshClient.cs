namespace MultiXfer.TestKit;

/// <summary>
/// Drives OpenSSH's ssh against a test server with the host key pinned in a known_hosts file of its own (strict
/// checking, no user configuration), by key or by password through SSH_ASKPASS.
/// </summary>
public sealed class OpenSshClient
{
    private readonly TestServer _server;
    private readonly string _directory;

    public OpenSshClient(TestServer server)
    {
        _server = server;
        _directory = Directory.CreateDirectory(Path.Combine(server.RootDirectory, "ssh-client-" + Guid.NewGuid().ToString("N"))).FullName;
        KnownHostsFile = Path.Combine(_directory, "known_hosts");
        string host = $"[127.0.0.1]:{server.SshPort}";
        File.WriteAllLines(KnownHostsFile, SshTestKeys.HostKeys.Select(k => $"{host} {SshTestKeys.HostPublicKey(k.File)}"));
        AskPassScript = Path.Combine(_directory, "askpass");
        File.WriteAllText(AskPassScript, "#!/bin/sh\nprintf '%s\\n' \"$MX_PASSWORD\"\n");
        File.SetUnixFileMode(AskPassScript, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string KnownHostsFile { get; }

    public string AskPassScript { get; }

    /// <summary>Options every invocation uses: no user config, our known_hosts, strict host key checking, loopback.</summary>
    public List<string> BaseArguments(string user, params string[] options)
    {
        var arguments = new List<string>
        {
            "-F", "/dev/null", "-p", _server.SshPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", $"UserKnownHostsFile={KnownHostsFile}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
            "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR", "-l", user,
        };
        foreach (string option in options)
        {
            arguments.Add("-o");
            arguments.Add(option);
        }

        return arguments;
    }

    /// <summary>Sends <paramref name="input"/> through the echo subsystem, logging in with a key.</summary>
    public Task<BinaryProcessResult> EchoWithKeyAsync(byte[] input, string user, string keyFile, params string[] options)
    {
        var arguments = BaseArguments(user, [.. options, "BatchMode=yes", "PreferredAuthentications=publickey", "IdentitiesOnly=yes"]);
        arguments.AddRange(["-i", keyFile, "-s", "127.0.0.1", "multixfer-echo"]);
        return BinaryProcessRunner.RunAsync("ssh", arguments, input, TimeSpan.FromSeconds(120));
    }

    /// <summary>Sends <paramref name="input"/> through the echo subsystem, logging in with a password ("password" or "keyboard-interactive").</summary>
    public Task<BinaryProcessResult> EchoWithPasswordAsync(byte[] input, string user, string password, string method = "password",
        params string[] options)
    {
        var arguments = BaseArguments(user, [.. options, "BatchMode=no", $"PreferredAuthentications={method}", "PubkeyAuthentication=no",
            "NumberOfPasswordPrompts=1"]);
        arguments.AddRange(["-s", "127.0.0.1", "multixfer-echo"]);
        return BinaryProcessRunner.RunAsync("ssh", arguments, input, TimeSpan.FromSeconds(120), PasswordEnvironment(password));
    }

    /// <summary>SSH_ASKPASS answers every prompt with the password, without a terminal.</summary>
    public Dictionary<string, string> PasswordEnvironment(string password) => new()
    {
        ["SSH_ASKPASS"] = AskPassScript,
        ["SSH_ASKPASS_REQUIRE"] = "force",
        ["DISPLAY"] = ":0",
        ["MX_PASSWORD"] = password,
    };
}
