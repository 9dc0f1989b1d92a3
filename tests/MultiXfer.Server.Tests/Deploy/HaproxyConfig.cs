using System.Globalization;

namespace MultiXfer.Server.Tests.Deploy;

/// <summary>A backend server line with the default-server settings before it applied.</summary>
/// <param name="Port">The port HAProxy connects to; null: the port the client came to.</param>
/// <param name="Options">Every keyword after the address (send-proxy-v2, check, ...).</param>
/// <param name="CheckPort">"port N" for health checks, if any.</param>
internal sealed record HaproxyServer(string Name, string Host, int? Port, IReadOnlyList<string> Options, int? CheckPort)
{
    public bool Has(string option) => Options.Contains(option, StringComparer.Ordinal);
}

internal sealed record HaproxyFrontend(string Name, IReadOnlyList<int> Ports, IReadOnlyList<string> Backends);

/// <summary>
/// The parts of an haproxy.cfg the deploy tests compare with the compose file: frontends with the ports they bind
/// and the backends they send to, backends with their servers. Not a validator: `haproxy -c` is.
/// </summary>
internal sealed class HaproxyConfig
{
    private static readonly HashSet<string> SectionKeywords =
    [
        "global", "defaults", "frontend", "backend", "listen", "resolvers", "peers", "userlist", "mailers", "program", "http-errors", "ring",
        "cache",
    ];

    public List<HaproxyFrontend> Frontends { get; } = [];

    public Dictionary<string, List<HaproxyServer>> Backends { get; } = new(StringComparer.Ordinal);

    public static HaproxyConfig Parse(string text)
    {
        var config = new HaproxyConfig();
        string kind = "", name = "";
        var defaults = new List<string>();
        var sectionDefaults = new List<string>();
        var ports = new List<int>();
        var backends = new List<string>();

        void Close()
        {
            if (kind is "frontend" or "listen")
            {
                config.Frontends.Add(new HaproxyFrontend(name, [.. ports], [.. backends]));
            }
        }

        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string[] words = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (SectionKeywords.Contains(words[0]))
            {
                Close();
                kind = words[0];
                name = words.Length > 1 ? words[1] : "";
                sectionDefaults = kind == "defaults" ? defaults = [] : [.. defaults];
                ports = [];
                backends = [];
                if (kind is "backend" or "listen")
                {
                    config.Backends[name] = [];
                }

                continue;
            }

            switch (words[0])
            {
                case "bind":
                    foreach (string address in words[1].Split(','))
                    {
                        ports.AddRange(DeployFiles.Ports(address[(address.LastIndexOf(':') + 1)..]));
                    }

                    break;
                case "default_backend":
                    backends.Add(words[1]);
                    break;
                case "use_backend":
                    backends.Add(words[1]);
                    break;
                case "default-server":
                    sectionDefaults.AddRange(words[1..]);
                    break;
                case "server":
                    config.Backends[name].Add(Server(words[1], words[2], [.. sectionDefaults, .. words[3..]]));
                    break;
            }
        }

        Close();
        return config;
    }

    private static HaproxyServer Server(string name, string address, List<string> options)
    {
        int colon = address.LastIndexOf(':');
        string host = colon < 0 ? address : address[..colon];
        int? port = colon < 0 ? null : int.Parse(address[(colon + 1)..], CultureInfo.InvariantCulture);
        int index = options.LastIndexOf("port");
        int? checkPort = index >= 0 ? int.Parse(options[index + 1], CultureInfo.InvariantCulture) : null;
        return new HaproxyServer(name, host, port, options, checkPort);
    }
}
