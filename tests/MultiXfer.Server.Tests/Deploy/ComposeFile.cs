using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace MultiXfer.Server.Tests.Deploy;

/// <summary>One published port: the host side (null: Docker picks one) and the container side.</summary>
internal sealed record PublishedPort(int? Host, int Container);

/// <summary>One service of a compose file, read as `docker compose config` would resolve it.</summary>
internal sealed record ComposeService(string Name, YamlMappingNode Node)
{
    public string Image => Node.Text("image") ?? "";

    public bool IsBuiltHere => Node.Child("build") is not null;

    /// <summary>environment, as a mapping or as KEY=value lines, with ${VAR:-default} at its default.</summary>
    public Dictionary<string, string> Environment
    {
        get
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            switch (Node.Child("environment"))
            {
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Children)
                    {
                        environment[((YamlScalarNode)key).Value!] = ComposeFile.Interpolate(((YamlScalarNode)value).Value ?? "");
                    }

                    break;
                case YamlSequenceNode lines:
                    foreach (string line in lines.Children.Cast<YamlScalarNode>().Select(l => l.Value!))
                    {
                        int equals = line.IndexOf('=', StringComparison.Ordinal);
                        environment[line[..equals]] = ComposeFile.Interpolate(line[(equals + 1)..]);
                    }

                    break;
            }

            return environment;
        }
    }

    /// <summary>ports, in the short syntax ([IP:]HOST:CONTAINER, ranges, /tcp) or the long one (target, published).</summary>
    public List<PublishedPort> Ports
    {
        get
        {
            var ports = new List<PublishedPort>();
            foreach (var entry in Node.Items("ports"))
            {
                if (entry is YamlMappingNode mapping)
                {
                    var container = DeployFiles.Ports(mapping.Required("target")).ToList();
                    var host = mapping.Text("published") is { } published ? DeployFiles.Ports(published).ToList() : null;
                    ports.AddRange(container.Select((c, i) => new PublishedPort(host?[i], c)));
                    continue;
                }

                string[] parts = ComposeFile.Interpolate(((YamlScalarNode)entry).Value!).Split(':');
                var containerSide = DeployFiles.Ports(parts[^1]).ToList();
                var hostSide = parts.Length >= 2 && parts[^2].Length > 0 ? DeployFiles.Ports(parts[^2]).ToList() : null;
                Assert.True(hostSide is null || hostSide.Count == containerSide.Count,
                    $"{Name}: '{((YamlScalarNode)entry).Value}' maps ranges of different lengths");
                ports.AddRange(containerSide.Select((c, i) => new PublishedPort(hostSide?[i], c)));
            }

            return ports;
        }
    }

    /// <summary>Volume mounts as (source, target): "SOURCE:TARGET[:MODE]" or the long syntax.</summary>
    public List<(string Source, string Target)> Volumes =>
    [
        .. Node.Items("volumes").Select(v => v is YamlMappingNode mapping
            ? (mapping.Text("source") ?? "", mapping.Required("target"))
            : (((YamlScalarNode)v).Value!.Split(':')[0], ((YamlScalarNode)v).Value!.Split(':')[1])),
    ];

    /// <summary>stop_grace_period ("45s", "1m30s"); Docker's default is 10 s.</summary>
    public TimeSpan StopGracePeriod
    {
        get
        {
            string? text = Node.Text("stop_grace_period");
            if (text is null)
            {
                return TimeSpan.FromSeconds(10);
            }

            var parts = ComposeFile.DurationPart().Matches(text);
            Assert.True(parts.Sum(p => p.Length) == text.Length, $"{Name}: stop_grace_period '{text}' is not a duration");
            return parts.Aggregate(TimeSpan.Zero, (sum, p) =>
            {
                double n = double.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture);
                return sum + p.Groups[2].Value switch
                {
                    "h" => TimeSpan.FromHours(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "s" => TimeSpan.FromSeconds(n),
                    "ms" => TimeSpan.FromMilliseconds(n),
                    _ => TimeSpan.FromMicroseconds(n),
                };
            });
        }
    }

    /// <summary>The fixed addresses given in networks: NAME: ipv4_address.</summary>
    public List<string> FixedAddresses =>
        Node.Child("networks") is YamlMappingNode networks
            ? [.. networks.Children.Values.Select(n => n.Text("ipv4_address")).OfType<string>()]
            : [];
}

internal static partial class ComposeFile
{
    public static Dictionary<string, ComposeService> Load(string path)
    {
        var root = DeployFiles.LoadYamlMapping(path);
        return root.Mapping("services").Children.ToDictionary(s => ((YamlScalarNode)s.Key).Value!,
            s => new ComposeService(((YamlScalarNode)s.Key).Value!, (YamlMappingNode)s.Value), StringComparer.Ordinal);
    }

    /// <summary>
    /// Compose's interpolation as the examples are meant to be read without any variable set: ${VAR:-default} and
    /// ${VAR-default} give the default, ${VAR} and $VAR nothing, $$ a dollar sign.
    /// </summary>
    public static string Interpolate(string text) =>
        Variable().Replace(text, m => m.Value == "$$" ? "$" : m.Groups["default"].Value);

    [GeneratedRegex(@"\$\$|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?<default>[^}]*))?\}|\$(?<bare>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Variable();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|ms|us|m|s)")]
    internal static partial Regex DurationPart();
}
