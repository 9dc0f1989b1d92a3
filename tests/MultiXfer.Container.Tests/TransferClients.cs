using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MultiXfer.TestKit;

namespace MultiXfer.Container.Tests;

/// <summary>An account a test logs in with.</summary>
public sealed record Login(string User, string Password)
{
    public static Login Random(string prefix) => new(prefix + Guid.NewGuid().ToString("N")[..6], "pw-" + Guid.NewGuid().ToString("N"));
}

/// <summary>
/// The real clients, run as processes against a server's published ports on 127.0.0.1: OpenSSH's sftp and scp
/// (password through SSH_ASKPASS, host keys pinned in a known_hosts file of their own, strict checking), lftp,
/// curl, ssh-keyscan and openssl s_client. Each instance has a work directory for the client's side of the files.
/// </summary>
public sealed partial class TransferClients : IDisposable
{
    private readonly ServerPorts _ports;
    private readonly string _knownHosts;
    private readonly string _askPass;

    /// <param name="hostPublicKeys">The server's public host keys ("ssh-ed25519 AAAA... comment"), pinned for its SSH and auto ports.</param>
    public TransferClients(ServerPorts ports, IEnumerable<string> hostPublicKeys)
    {
        _ports = ports;
        Work = Directory.CreateTempSubdirectory("mx-container-client-").FullName;
        _knownHosts = Path.Combine(Work, ".known_hosts");
        string hosts = $"[127.0.0.1]:{ports.Text(ports.Ssh)},[127.0.0.1]:{ports.Text(ports.Auto)}";
        File.WriteAllLines(_knownHosts, hostPublicKeys.Select(key => $"{hosts} {key}"));
        _askPass = Path.Combine(Work, ".askpass");
        File.WriteAllText(_askPass, "#!/bin/sh\nprintf '%s\\n' \"$MX_PASSWORD\"\n");
        File.SetUnixFileMode(_askPass, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The client's side of the files.</summary>
    public string Work { get; }

    public string Local(string name) => Path.Combine(Work, name);

    /// <summary>Random bytes written to a local file; returns them.</summary>
    public byte[] LocalFile(string name, int length)
    {
        byte[] content = RandomNumberGenerator.GetBytes(length);
        File.WriteAllBytes(Local(name), content);
        return content;
    }

    /// <summary>
    /// OpenSSH's sftp with a batch file, logging in with the password. -b would set BatchMode=yes, which forbids
    /// asking for a password; ssh takes the first value of an option, so the BatchMode=no given before -b wins
    /// (failed commands still end the batch with a non-zero exit).
    /// </summary>
    public async Task<ProcessResult> SftpAsync(Login login, IEnumerable<string> commands, int? port = null)
    {
        string batch = Path.Combine(Work, ".batch-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllLinesAsync(batch, commands);
        return await ProcessRunner.RunAsync("sftp",
            [.. SshOptions(port ?? _ports.Ssh), "-b", batch, $"{login.User}@127.0.0.1"], TimeSpan.FromSeconds(120), Work,
            environment: PasswordEnvironment(login));
    }

    /// <summary>OpenSSH's scp: its default (the SFTP protocol) or, with <paramref name="legacy"/>, the SCP protocol (-O).</summary>
    public Task<ProcessResult> ScpAsync(Login login, bool legacy, params string[] arguments) =>
        ProcessRunner.RunAsync("scp", [.. SshOptions(_ports.Ssh), .. legacy ? new[] { "-O" } : [], .. arguments], TimeSpan.FromSeconds(120), Work,
            environment: PasswordEnvironment(login));

    /// <summary>"user@127.0.0.1:path" for scp.</summary>
    public static string Remote(Login login, string path) => $"{login.User}@127.0.0.1:{path}";

    /// <summary>lftp with <paramref name="commands"/>, stopping at the first that fails; -d adds its protocol dialogue to the output.</summary>
    public Task<ProcessResult> LftpAsync(Login login, string url, string commands, bool debug = false) =>
        ProcessRunner.RunAsync("lftp",
        [
            .. debug ? new[] { "-d" } : [], "-u", $"{login.User},{login.Password}",
            "-e", "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 20; set net:reconnect-interval-base 1; set xfer:clobber on; " +
                  commands + "; quit",
            url,
        ], TimeSpan.FromSeconds(120), Work);

    /// <summary>curl with the account's password; ftp://, ftps:// and sftp:// URLs.</summary>
    public Task<ProcessResult> CurlAsync(Login login, params string[] arguments) =>
        ProcessRunner.RunAsync("curl", ["--silent", "--show-error", "--max-time", "90", "--user", $"{login.User}:{login.Password}", .. arguments],
            TimeSpan.FromSeconds(120), Work);

    /// <summary>The SHA-256 fingerprint curl's --hostpubsha256 wants (base64, no padding) of a public key line.</summary>
    public static string HostKeySha256(string publicKeyLine) =>
        Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(publicKeyLine.Split(' ')[1]))).TrimEnd('=');

    /// <summary>The host keys ssh-keyscan gets from a port, as "type base64" (sorted).</summary>
    public static async Task<IReadOnlyList<string>> KeyscanAsync(int port)
    {
        var result = await ProcessRunner.RunAsync("ssh-keyscan", ["-T", "20", "-t", "ed25519,rsa", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "127.0.0.1"],
            TimeSpan.FromSeconds(60));
        var keys = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(' '))
            .Where(parts => parts.Length >= 3)
            .Select(parts => $"{parts[1]} {parts[2]}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(keys.Count == 2, $"ssh-keyscan found {keys.Count} of the 2 host keys (ed25519, rsa): {result}");
        return keys;
    }

    /// <summary>"type base64" of a public key line (the comment dropped), to compare with ssh-keyscan's.</summary>
    public static string KeyOnly(string publicKeyLine) => string.Join(' ', publicKeyLine.Split(' ').Take(2));

    /// <summary>The SHA-256 fingerprint of the certificate openssl s_client is served on an implicit-TLS port.</summary>
    public static async Task<string> CertificateSha256Async(int port)
    {
        var result = await ProcessRunner.RunAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "-servername", "localhost"],
            TimeSpan.FromSeconds(60), standardInput: "");
        var pem = PemCertificate().Match(result.Output);
        Assert.True(pem.Success, $"openssl s_client printed no certificate: {result}");
        using var certificate = X509Certificate2.CreateFromPem(pem.Value);
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
            // A client still writing; the temporary directory is left behind.
        }
    }

    private List<string> SshOptions(int port) =>
    [
        "-F", "/dev/null", "-P", _ports.Text(port),
        "-o", $"UserKnownHostsFile={_knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=no", "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no",
        "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=20", "-o", "LogLevel=ERROR",
    ];

    /// <summary>SSH_ASKPASS answers the password prompt without a terminal.</summary>
    private Dictionary<string, string> PasswordEnvironment(Login login) => new()
    {
        ["SSH_ASKPASS"] = _askPass,
        ["SSH_ASKPASS_REQUIRE"] = "force",
        ["DISPLAY"] = ":0",
        ["MX_PASSWORD"] = login.Password,
    };

    [GeneratedRegex("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----")]
    private static partial Regex PemCertificate();
}
