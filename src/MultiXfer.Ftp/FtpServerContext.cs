using System.Net;
using Microsoft.Extensions.Logging;
using MultiXfer.Auth;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Transport.Data;
using MultiXfer.Transport.Tls;

namespace MultiXfer.Ftp;

/// <summary>What every FTP session of one server shares: settings, the auth and storage services, passive ports.</summary>
public sealed class FtpServerContext
{
    /// <param name="metrics">Where commands are counted; null: nowhere (tests and tools without a host).</param>
    public FtpServerContext(ServerOptions server, FtpOptions ftp, IFileSystemProvider files,
        TlsServer tls, TimeSpan tlsHandshakeTimeout, ILoggerFactory loggerFactory, FtpMetrics? metrics = null)
    {
        Metrics = metrics;
        Tls = tls;
        TlsHandshakeTimeout = tlsHandshakeTimeout;
        Server = server;
        Ftp = ftp;
        Files = files;
        PortRange.TryParse(ftp.PassivePorts, out var range, out _);
        PassivePorts = new PassivePortPool(range, ftp.MaxPassivePortsPerClient, server.Ipv6PrefixLength);
        PassiveAddress = string.IsNullOrWhiteSpace(ftp.PassiveAddress) ? null : ResolvePassiveAddress(ftp.PassiveAddress);
        Logger = loggerFactory.CreateLogger("MultiXfer.Ftp");
        ChecksumSlots = new SemaphoreSlim(ftp.MaxConcurrentChecksums, ftp.MaxConcurrentChecksums);
        Digests = new Checksums.DigestCache(ftp.DigestCache, TimeProvider.System);
    }

    public ServerOptions Server { get; }

    public FtpOptions Ftp { get; }

    public IFileSystemProvider Files { get; }

    /// <summary>Server-side TLS for AUTH TLS, implicit FTPS and PROT P data connections (ALPN "ftp").</summary>
    public TlsServer Tls { get; }

    public TimeSpan TlsHandshakeTimeout { get; }

    internal FtpMetrics? Metrics { get; }

    public PassivePortPool PassivePorts { get; }

    /// <summary>The configured address to advertise for passive mode, or null for the control connection's own.</summary>
    public IPAddress? PassiveAddress { get; }

    internal ILogger Logger { get; }

    /// <summary>One slot per checksum being computed (<see cref="FtpOptions.MaxConcurrentChecksums"/>).</summary>
    internal SemaphoreSlim ChecksumSlots { get; }

    /// <summary>Digests of unchanged files, answered again without reading them (<see cref="FtpOptions.DigestCache"/>).</summary>
    internal Checksums.DigestCache Digests { get; }

    /// <summary>An IPv4 literal or a host name resolved once at start-up (PASV can only carry IPv4).</summary>
    public static IPAddress ResolvePassiveAddress(string value)
    {
        if (IPAddress.TryParse(value, out var literal))
        {
            return literal;
        }

        return Dns.GetHostAddresses(value).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
               ?? throw new ArgumentException($"'{value}' has no IPv4 address");
    }
}
