using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Auth.Accounts;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Limits;
using MultiXfer.Ftp;
using MultiXfer.Server.Configuration;

namespace MultiXfer.Server.Hosting;

/// <summary>
/// Builds the <see cref="VirtualHostCatalog"/> from validated settings: the default host from the top-level
/// sections, one host per VirtualHosts entry. Storage is opened once per data root and reused by later reloads,
/// so a reload that leaves a root alone does not reopen it. The login throttle is shared: a client that fails on
/// one site is throttled on all of them.
/// </summary>
internal sealed class VirtualHostFactory(
    FileSystemProvider defaultStorage,
    IReadOnlyDictionary<string, UserOptions> usersWhenNoneConfigured,
    IAccountStore? accounts,
    ILoginThrottle throttle,
    UsageRegistry usage,
    TimeProvider time,
    ILoggerFactory loggers,
    AuthMetrics authMetrics,
    IClusterSessions? cluster = null)
{
    private readonly Dictionary<string, FileSystemProvider> _storageByRoot = new(StringComparer.Ordinal);

    public VirtualHostCatalog Build(MultiXferSettings settings)
    {
        var defaultHost = new VirtualHost
        {
            Name = VirtualHost.DefaultName,
            HostNames = [],
            Banner = settings.Server.Banner,
            AllowAnonymous = settings.Ftp.AllowAnonymous,
            Limits = new HostLimits(settings.Limits),
            Usage = usage,
            Cluster = cluster,
            Authenticator = Authenticator(UsersOf(SharedUsers(settings), null, null, siteName: null, sharesDefault: false), settings.Auth,
                settings.Ftp.AllowAnonymous, settings.Ftp.AnonymousRoot, null),
        };
        var named = new List<VirtualHost>();
        var byListener = new Dictionary<string, VirtualHost>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, options) in settings.VirtualHosts)
        {
            var storage = options.DataRoot is { } root ? StorageFor(root, settings.Server) : null;
            var users = options.Users ?? SharedUsers(settings);
            var host = new VirtualHost
            {
                Name = name,
                HostNames = [.. options.HostNames],
                Banner = options.Banner ?? settings.Server.Banner,
                SshBanner = options.Ssh?.Banner,
                Limits = new HostLimits(options.Limits ?? settings.Limits),
                Usage = usage,
                Cluster = cluster,
                AllowAnonymous = options.Ftp?.AllowAnonymous ?? settings.Ftp.AllowAnonymous,
                PassiveAddress = string.IsNullOrWhiteSpace(options.Ftp?.PassiveAddress) ? null
                    : FtpServerContext.ResolvePassiveAddress(options.Ftp.PassiveAddress),
                Authenticator = Authenticator(UsersOf(users, storage, options.Sftp, name, sharesDefault: options.Users is null), settings.Auth,
                    options.Ftp?.AllowAnonymous ?? settings.Ftp.AllowAnonymous, options.Ftp?.AnonymousRoot ?? settings.Ftp.AnonymousRoot, storage),
            };
            named.Add(host);
            foreach (string listener in options.Listeners)
            {
                byListener[listener] = host;
            }
        }

        return new VirtualHostCatalog(defaultHost, named, byListener);
    }

    /// <summary>The top-level users, or the demo user a first start created when there are none.</summary>
    private IReadOnlyDictionary<string, UserOptions> SharedUsers(MultiXferSettings settings) =>
        settings.Users.Count > 0 ? settings.Users : usersWhenNoneConfigured;

    private FileSystemProvider StorageFor(string dataRoot, ServerOptions server)
    {
        string full = Path.GetFullPath(dataRoot);
        lock (_storageByRoot)
        {
            // The provider opened at start, whatever Server:DataRoot says now (it is read at start only).
            if (full == defaultStorage.Root)
            {
                return defaultStorage;
            }

            if (!_storageByRoot.TryGetValue(full, out var storage))
            {
                storage = new FileSystemProvider(new ServerOptions
                {
                    DataRoot = full,
                    Storage = server.Storage,
                    AtomicUploads = server.AtomicUploads,
                    FsyncUploads = server.FsyncUploads,
                }, loggers, defaultStorage.StorageLayer, defaultStorage.Metrics) { DigestTransfers = defaultStorage.DigestTransfers };
                _storageByRoot[full] = storage;
            }

            return storage;
        }
    }

    /// <summary>Every data root in use besides the default one (the stale-upload sweep covers them too).</summary>
    public IReadOnlyList<FileSystemProvider> ExtraStorage()
    {
        lock (_storageByRoot)
        {
            return [.. _storageByRoot.Values];
        }
    }

    /// <summary>A site's configured users, followed by its stored accounts when there is an account store.</summary>
    private IUserDirectory UsersOf(IReadOnlyDictionary<string, UserOptions> users, IFileSystemProvider? storage, SftpOverrideOptions? siteSftp,
        string? siteName, bool sharesDefault)
    {
        var configured = new UserStore(users.Select(u => UserStore.FromOptions(u.Key, u.Value, storage, siteSftp, siteName)));
        return accounts is null ? configured
            : new CombinedDirectory(configured,
                new AccountDirectory(accounts, siteName, sharesDefault, storage, siteSftp, time, authMetrics));
    }

    private Authenticator Authenticator(IUserDirectory users, AuthOptions auth, bool allowAnonymous, string anonymousRoot, IFileSystemProvider? storage) =>
        new(users, throttle, auth, new AnonymousPolicy(allowAnonymous, VirtualPath.Resolve(VirtualPath.Root, anonymousRoot), storage), time,
            loggers.CreateLogger<Authenticator>(), authMetrics);
}
