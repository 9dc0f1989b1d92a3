using System.Net;
using MultiXfer.Connections;
using MultiXfer.Transport.FrontEnd;

namespace MultiXfer.Server.Hosting;

/// <summary>Turns a listener's configuration into its front end: PROXY policy, detection, handlers.</summary>
internal static class ListenerFrontEnds
{
    public static ListenerFrontEnd Build(ListenerOptions options, Func<string, IConnectionHandler> handlerFor)
    {
        var handlers = options.ServedProtocols().ToDictionary(p => p, handlerFor, StringComparer.Ordinal);
        var proxy = ProxyPolicyOf(options);
        var detection = options.Protocol == ListenerFrontEnd.AutoProtocol
            ? new DetectionPolicy(handlers.Keys.ToHashSet(StringComparer.Ordinal), proxy.Silence,
                TimeSpan.FromMilliseconds(options.DetectionTimeoutMilliseconds))
            : null;
        return new ListenerFrontEnd(handlers, detection, proxy);
    }

    public static ProxyPolicy ProxyPolicyOf(ListenerOptions options)
    {
        var mode = options.ProxyProtocol switch
        {
            "optional" => ProxyProtocolMode.Optional,
            "required" => ProxyProtocolMode.Required,
            _ => ProxyProtocolMode.Off,
        };
        var networks = options.TrustedProxies.Select(n => TryParseNetwork(n, out var network) ? network : throw new FormatException(n)).ToList();
        return new ProxyPolicy(mode, networks, TimeSpan.FromMilliseconds(options.DetectionSilenceMilliseconds),
            TimeSpan.FromMilliseconds(options.DetectionTimeoutMilliseconds));
    }

    /// <summary>"10.0.0.0/8", "2001:db8::/32", or a single address (a network of one).</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            address = ConnectionContext.Normalize(address);
            network = new IPNetwork(address, address.GetAddressBytes().Length * 8);
            return true;
        }

        return false;
    }
}
