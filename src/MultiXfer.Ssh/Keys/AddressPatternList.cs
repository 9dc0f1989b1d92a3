using System.Net;
using System.Net.Sockets;
using MultiXfer.Fsio;

namespace MultiXfer.Ssh.Keys;

/// <summary>
/// The pattern-list of an authorized_keys from= option (sshd(8) AUTHORIZED_KEYS FILE FORMAT, ssh_config(5) PATTERNS):
/// comma-separated entries, each a CIDR network, an address, or a pattern with * and ?; a leading '!' negates.
/// As in sshd, a client matching any negated entry is refused, otherwise one positive match admits it.
/// </summary>
/// <remarks>
/// Only the client's address is matched, as sshd does with UseDNS no (its default). Host name patterns could never
/// match, and a negated one would silently deny nobody, so they are refused when the list is parsed.
/// </remarks>
internal sealed class AddressPatternList
{
    private readonly Entry[] _entries;

    private AddressPatternList(string text, Entry[] entries)
    {
        Text = text;
        _entries = entries;
    }

    /// <summary>The list as written, for logs.</summary>
    public string Text { get; }

    /// <summary>Throws <see cref="FormatException"/> for an empty entry, a CIDR with host bits set, or a host name.</summary>
    public static AddressPatternList Parse(string text)
    {
        var entries = new List<Entry>();
        foreach (string part in text.Split(','))
        {
            bool negated = part.StartsWith('!');
            string body = negated ? part[1..] : part;
            if (body.Length == 0)
            {
                throw new FormatException($"from=\"{text}\" has an empty entry");
            }

            if (body.Contains('/') || (!body.ContainsAny('*', '?') && IPAddress.TryParse(body, out _)))
            {
                entries.Add(new Entry(negated, ParseNetwork(body, "from="), body));
            }
            else if (body.AsSpan().ContainsAnyExcept("0123456789abcdefABCDEF.:*?"))
            {
                throw new FormatException($"from= entry {body} names a host; only client addresses are matched (no DNS lookups)");
            }
            else
            {
                entries.Add(new Entry(negated, null, body));
            }
        }

        return new AddressPatternList(text, [.. entries]);
    }

    /// <summary>
    /// A certificate's source-address option (PROTOCOL.certkeys): addresses and CIDR networks only, no patterns and no
    /// negation, as OpenSSH's addr_match_cidr_list reads it.
    /// </summary>
    public static AddressPatternList ParseCidrList(string text)
    {
        var entries = text.Split(',').Select(part => new Entry(false, ParseNetwork(part, "source-address"), part)).ToArray();
        return new AddressPatternList(text, entries);
    }

    /// <summary>An address (a network of one) or a CIDR network; throws <see cref="FormatException"/> otherwise.</summary>
    private static IPNetwork ParseNetwork(string body, string option)
    {
        if (!body.Contains('/'))
        {
            return IPAddress.TryParse(body, out var address)
                ? new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
                : throw new FormatException($"{option} entry '{body}' is not an address or a network in CIDR notation");
        }

        // IPNetwork quietly clears bits set past the prefix; sshd's addr_pton_cidr refuses them, and so do we.
        bool valid = IPNetwork.TryParse(body, out var network) &&
            IPAddress.TryParse(body.AsSpan(0, body.IndexOf('/')), out var given) && network.BaseAddress.Equals(given);
        return valid ? network : throw new FormatException($"{option} entry {body} is not a network in CIDR notation (host bits must be zero)");
    }

    public bool Matches(IPAddress client)
    {
        // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; sshd matches them as IPv4 (ipv64_normalise_mapped).
        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            address = new IPAddress(address.GetAddressBytes());
        }

        string text = address.ToString();
        bool admitted = false;
        foreach (var entry in _entries)
        {
            if (entry.Network is { } network ? network.Contains(address) : NamePattern.Matches(text, entry.Pattern, ignoreCase: true))
            {
                if (entry.Negated)
                {
                    return false;
                }

                admitted = true;
            }
        }

        return admitted;
    }

    public override string ToString() => Text;

    private readonly record struct Entry(bool Negated, IPNetwork? Network, string Pattern);
}
