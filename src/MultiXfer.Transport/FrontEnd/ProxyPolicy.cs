using System.Net;

namespace MultiXfer.Transport.FrontEnd;

/// <summary>Listeners:NAME:ProxyProtocol.</summary>
public enum ProxyProtocolMode
{
    /// <summary>No header is expected; bytes that look like one are the protocol's problem.</summary>
    Off,

    /// <summary>Trusted proxies may send a header; anyone may connect directly without one.</summary>
    Optional,

    /// <summary>Only trusted proxies may connect, and each connection starts with a header.</summary>
    Required,
}

/// <summary>
/// Who may say where a connection really comes from (HAProxy's PROXY protocol): the mode and the trusted source
/// networks of one listener. A header is believed only from a trusted source, never from anyone else (auto
/// listeners close such a connection; on others it reaches the protocol as invalid input): it would let any
/// client choose the address that limits, throttling and FTP's data checks rely on.
/// </summary>
/// <param name="Silence">Optional mode: a trusted peer silent this long is a direct client waiting for the server
/// to speak (FTP), not a proxy.</param>
public sealed record ProxyPolicy(ProxyProtocolMode Mode, IReadOnlyList<IPNetwork> TrustedSources, TimeSpan Silence, TimeSpan HeaderTimeout)
{
    /// <summary>
    /// The largest header accepted. Version 1 is at most 107 bytes; version 2 may claim 64 KiB, but HAProxy's
    /// addresses plus the TLVs it sends (ALPN, authority, unique id, SSL, CRC) stay well under this.
    /// </summary>
    public const int MaxHeaderLength = 1024;

    public bool Trusts(IPAddress peer)
    {
        foreach (var network in TrustedSources)
        {
            if (network.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }
}
