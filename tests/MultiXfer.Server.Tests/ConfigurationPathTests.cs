using Microsoft.Extensions.Configuration;
using MultiXfer.Server.Configuration;
using MultiXfer.TestKit;

namespace MultiXfer.Server.Tests;

/// <summary>
/// Relative paths resolve against the configuration file's directory, the same for every key, and the TLS certificate
/// follows Server:KeysDirectory as the host keys do (issue 17's papercut: setting KeysDirectory alone used to stop
/// start-up on a certificate path relative to the working directory).
/// </summary>
public sealed class ConfigurationPathTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("mx-paths-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private MultiXferSettings BindFile(string json, params string[] more)
    {
        string directory = Path.Combine(_work, "etc");
        Directory.CreateDirectory(directory);
        string file = Path.Combine(directory, "multixfer.json");
        File.WriteAllText(file, json);
        return MultiXferSettings.Bind(ConfigurationSources.Build(["--config", file, .. more]));
    }

    [Fact]
    public void Relative_paths_in_a_file_resolve_against_the_file_s_directory_not_the_working_directory()
    {
        var settings = BindFile("""
            {
              "Server": { "DataRoot": "files", "KeysDirectory": "../secrets", "StateDirectory": "./state" },
              "Ssh": { "HostKeys": [ "hostkeys/ed25519" ], "RevokedKeysFile": "revoked.krl" },
              "Logging": { "AuditLog": "logs/audit.json", "TransferLog": "/var/log/xferlog" },
              "VirtualHosts": { "site": { "HostNames": [ "a.example" ], "DataRoot": "sites/a",
                                          "Tls": { "CertificateFile": "a.crt", "KeyFile": "a.key" } } }
            }
            """);
        string etc = Path.Combine(_work, "etc");
        Assert.NotEqual(etc, Directory.GetCurrentDirectory());
        Assert.Equal(etc, settings.Server.PathBase);
        Assert.Equal(Path.Combine(etc, "files"), settings.Server.DataRoot);
        Assert.Equal(Path.Combine(_work, "secrets"), settings.Server.KeysDirectory);
        Assert.Equal(Path.Combine(etc, "state"), settings.Server.StateDirectory);
        Assert.Equal([Path.Combine(etc, "hostkeys", "ed25519")], settings.Ssh.HostKeys);
        Assert.Equal(Path.Combine(etc, "revoked.krl"), settings.Ssh.RevokedKeysFile);
        Assert.Equal(Path.Combine(etc, "logs", "audit.json"), settings.Logging.AuditLog);
        Assert.Equal("/var/log/xferlog", settings.Logging.TransferLog);
        Assert.Equal("", settings.Logging.File);
        Assert.Equal(Path.Combine(etc, "sites", "a"), settings.VirtualHosts["site"].DataRoot);
        Assert.Equal(Path.Combine(etc, "a.crt"), settings.VirtualHosts["site"].Tls!.CertificateFile);
    }

    [Fact]
    public void The_certificate_follows_the_keys_directory_unless_set()
    {
        var settings = BindFile("""{ "Server": { "KeysDirectory": "/srv/elsewhere/keys" } }""");
        Assert.Equal("/srv/elsewhere/keys/tls.crt", settings.Tls.CertificateFile);
        Assert.Equal("/srv/elsewhere/keys/tls.key", settings.Tls.KeyFile);

        // A PKCS#12 file carries its key: no key file is made up beside it.
        var pkcs12 = BindFile("""{ "Tls": { "CertificateFile": "site.pfx" } }""");
        Assert.Equal(Path.Combine(_work, "etc", "site.pfx"), pkcs12.Tls.CertificateFile);
        Assert.Equal("", pkcs12.Tls.KeyFile);
    }

    [Fact]
    public void A_variable_may_move_the_base_and_the_embedded_default_resolves_against_the_working_directory()
    {
        var moved = BindFile("""{ "Server": { "DataRoot": "data" } }""", "--Server:PathBase=/opt/mx");
        Assert.Equal("/opt/mx/data", moved.Server.DataRoot);
        Assert.Equal("/opt/mx/keys/tls.crt", moved.Tls.CertificateFile);

        var embedded = MultiXferSettings.Bind(ConfigurationSources.Build([]));
        string here = Directory.GetCurrentDirectory();
        Assert.Equal(Path.Combine(here, "keys"), embedded.Server.KeysDirectory);
        Assert.Equal(Path.Combine(here, "keys", "tls.crt"), embedded.Tls.CertificateFile);
    }

    [Fact]
    public async Task A_server_given_only_a_keys_directory_starts_and_keeps_every_key_there()
    {
        string config = Path.Combine(_work, "etc", "multixfer.json");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        File.WriteAllText(config, """
            {
              "Server": { "DataRoot": "data", "KeysDirectory": "secrets", "StateDirectory": "state" },
              "Listeners": { "ftps": { "Address": "127.0.0.1", "Port": 0, "Protocol": "ftps-implicit" },
                             "ssh": { "Address": "127.0.0.1", "Port": 0, "Protocol": "ssh" } },
              "Ftp": { "PassivePorts": "" },
              "Admin": { "Enabled": false }
            }
            """);
        // Started from another directory: nothing may land relative to the working directory.
        string elsewhere = Path.Combine(_work, "cwd");
        Directory.CreateDirectory(elsewhere);
        await using var server = ServerProcess.Start(elsewhere, ["--config", config]);
        await server.WaitForListenerAsync(TimeSpan.FromSeconds(30), "ssh");
        string secrets = Path.Combine(_work, "etc", "secrets");
        Assert.True(File.Exists(Path.Combine(secrets, "tls.crt")), server.Output);
        Assert.True(File.Exists(Path.Combine(secrets, "tls.key")));
        Assert.True(File.Exists(Path.Combine(secrets, "ssh_host_ed25519_key")));
        Assert.True(Directory.Exists(Path.Combine(_work, "etc", "data")));
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
