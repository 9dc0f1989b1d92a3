using MultiXfer.Limits;
using System.Net;
using Microsoft.Extensions.Configuration;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Ftp;
using MultiXfer.Ssh;
using static MultiXfer.Server.Configuration.SettingsValidator;

namespace MultiXfer.Server.Configuration;

/// <summary>Checks the VirtualHosts section; every problem names its key ("VirtualHosts:alpha:Listeners").</summary>
internal static class VirtualHostValidator
{
    public static void Check(MultiXferSettings settings, List<string> problems)
    {
        var listenerOwners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var nameOwners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, host) in settings.VirtualHosts)
        {
            string key = $"{VirtualHostOptions.Section}:{name}";
            if (host.Limits is { } limits)
            {
                SettingsValidator.CheckLimits(limits, $"{key}:{LimitOptions.Section}", problems);
            }

            Require(problems, name.Length <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'), key,
                "a virtual host's key may hold letters, digits, '.', '-' and '_' only");
            Require(problems, host.HostNames.Count > 0 || host.Listeners.Count > 0, key, "needs HostNames or Listeners, or nothing selects it");
            foreach (string hostName in host.HostNames)
            {
                Require(problems, IsHostName(hostName), $"{key}:HostNames", $"'{hostName}' is not a host name or *.domain wildcard");
                Require(problems, nameOwners.TryAdd(hostName, name), $"{key}:HostNames", $"'{hostName}' already names {nameOwners.GetValueOrDefault(hostName)}");
            }

            foreach (string listener in host.Listeners)
            {
                Require(problems, settings.Listeners.ContainsKey(listener), $"{key}:Listeners", $"no listener is named '{listener}'");
                Require(problems, listenerOwners.TryAdd(listener, name), $"{key}:Listeners", $"'{listener}' already belongs to {listenerOwners.GetValueOrDefault(listener)}");
            }

            Require(problems, host.Banner is null || (host.Banner.Length <= 200 && !host.Banner.Any(char.IsControl)), $"{key}:Banner",
                "must be one line of at most 200 characters");
            Require(problems, host.DataRoot is null || !string.IsNullOrWhiteSpace(host.DataRoot), $"{key}:DataRoot", "must name a directory");
            CheckUsers(key, host, settings, problems);
            CheckTls(key, host, problems);
            CheckFtp(key, host, problems);
            CheckSsh(key, host, settings, problems);
        }
    }

    /// <summary>LDH labels, optionally led by one "*." wildcard label.</summary>
    private static bool IsHostName(string name)
    {
        string rest = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        return rest.Length is > 0 and <= 253 && rest.Split('.').All(label =>
            label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && label[0] != '-' && label[^1] != '-');
    }

    private static void CheckUsers(string key, VirtualHostOptions host, MultiXferSettings settings, List<string> problems)
    {
        if (host.Users is { } users)
        {
            problems.AddRange(UserStore.Validate(users).Select(p => $"{key}:{p}"));
            foreach (var (name, user) in users)
            {
                for (int i = 0; i < user.AuthorizedKeys.Count; i++)
                {
                    if (SshServer.CheckAuthorizedKeyLine(user.AuthorizedKeys[i], settings.Ssh.MinimumRsaKeyBits) is { } problem)
                    {
                        problems.Add($"{key}:Users:{name}:AuthorizedKeys:{i}: {problem}");
                    }
                }
            }
        }

        if (host.Sftp?.MaxVersion is { } version)
        {
            SettingsValidator.CheckSftpVersion(version, $"{key}:Sftp:MaxVersion", problems);
        }

        SettingsValidator.CheckExtensionNames(host.Sftp?.Extensions, $"{key}:Sftp:Extensions", problems);
    }

    private static void CheckTls(string key, VirtualHostOptions host, List<string> problems)
    {
        if (host.Tls is { } tls && !File.Exists(tls.CertificateFile))
        {
            problems.Add($"{key}:Tls:CertificateFile: '{tls.CertificateFile}' does not exist");
        }
    }

    private static void CheckFtp(string key, VirtualHostOptions host, List<string> problems)
    {
        if (host.Ftp?.AnonymousRoot is { } root && !(root.StartsWith('/') && VirtualPath.TryResolve(VirtualPath.Root, root, out _, out _)))
        {
            problems.Add($"{key}:Ftp:AnonymousRoot: must be an absolute path inside the host's data root");
        }

        if (!string.IsNullOrWhiteSpace(host.Ftp?.PassiveAddress))
        {
            try
            {
                FtpServerContext.ResolvePassiveAddress(host.Ftp.PassiveAddress);
            }
            catch (Exception e) when (e is ArgumentException or System.Net.Sockets.SocketException)
            {
                problems.Add($"{key}:Ftp:PassiveAddress: '{host.Ftp.PassiveAddress}' has no IPv4 address ({e.Message})");
            }
        }
    }

    private static void CheckSsh(string key, VirtualHostOptions host, MultiXferSettings settings, List<string> problems)
    {
        if (host.Ssh is not { } ssh)
        {
            return;
        }

        if (HasAlgorithms(ssh))
        {
            problems.AddRange(SshServer.ValidateAlgorithms(settings.Ssh, ssh, $"{key}:Ssh"));
        }

        Require(problems, ssh.Banner is null || ssh.Banner.Length <= 4096, $"{key}:Ssh:Banner", "must be at most 4096 characters");
        Require(problems, ssh.HostKeys is null || ssh.HostKeys.Count > 0, $"{key}:Ssh:HostKeys", "must list at least one file (or be left out)");
        Require(problems, ssh.HostCertificates.Count == 0 || ssh.HostKeys is not null, $"{key}:Ssh:HostCertificates",
            "certifies this host's own keys, so it needs VirtualHosts:NAME:Ssh:HostKeys (Ssh:HostCertificates serves the server's keys)");
        foreach (string listener in host.Listeners)
        {
            if (settings.Listeners.TryGetValue(listener, out var options) && options.Ssh is not null && HasAlgorithms(ssh))
            {
                problems.Add($"{key}:Ssh: Listeners:{listener}:Ssh sets algorithms too; set them in one place");
            }
        }

        Require(problems, host.Listeners.Any(l => settings.Listeners.TryGetValue(l, out var o) && o.Serves("ssh")) || (ssh.HostKeys is null && !HasAlgorithms(ssh)),
            $"{key}:Ssh", "host keys and algorithms apply on the host's own SSH listeners, and it has none");

    }

    public static bool HasAlgorithms(SshAlgorithmOptions ssh) =>
        ssh.KexAlgorithms is not null || ssh.HostKeyAlgorithms is not null || ssh.Ciphers is not null || ssh.Macs is not null || ssh.Compression is not null;

    /// <summary>Keys nobody reads are usually typos; the sub-sections are checked against their option types.</summary>
    public static void CheckUnknownKeys(IConfiguration configuration, Action<IConfigurationSection, Type> checkKeys)
    {
        foreach (var host in configuration.GetSection(VirtualHostOptions.Section).GetChildren())
        {
            checkKeys(host, typeof(VirtualHostOptions));
            checkKeys(host.GetSection(nameof(VirtualHostOptions.Tls)), typeof(CertificateOptions));
            checkKeys(host.GetSection(nameof(VirtualHostOptions.Ssh)), typeof(VirtualHostSshOptions));
            checkKeys(host.GetSection(nameof(VirtualHostOptions.Ftp)), typeof(VirtualHostFtpOptions));
            checkKeys(host.GetSection(nameof(VirtualHostOptions.Sftp)), typeof(SftpOverrideOptions));
            checkKeys(host.GetSection(nameof(VirtualHostOptions.Limits)), typeof(LimitOptions));
            foreach (var user in host.GetSection(nameof(VirtualHostOptions.Users)).GetChildren())
            {
                checkKeys(user, typeof(UserOptions));
                checkKeys(user.GetSection(nameof(UserOptions.Sftp)), typeof(SftpOverrideOptions));
                checkKeys(user.GetSection(nameof(UserOptions.Limits)), typeof(AccountLimits));
            }
        }
    }
}
