using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using MultiXfer.Connections;
using MultiXfer.Server.Configuration;
using MultiXfer.Transport.Data;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MultiXfer.Server.Tests.Deploy;

/// <summary>
/// Reads the repository's deploy examples the way the tools that run them would: the Dockerfile, compose files
/// (anchors and merge keys resolved, ${VAR:-default} taken at its default), Kubernetes manifests, haproxy.cfg, and the
/// server configuration they hand the image, bound and validated by the server's own code.
/// </summary>
internal static partial class DeployFiles
{
    public static string Repository => MultiXfer.TestKit.RepositoryRoot.Path;

    public static string DeployDirectory => Path.Combine(Repository, "deploy");

    public static string InDeploy(params string[] parts) => Path.Combine([DeployDirectory, .. parts]);

    // ---- YAML ----

    /// <summary>Every document of a YAML file, with merge keys (&lt;&lt;: *anchor) applied as compose applies them.</summary>
    public static List<YamlNode> LoadYaml(string path)
    {
        using var reader = new StringReader(File.ReadAllText(path));
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        return [.. stream.Documents.Select(d => d.RootNode)];
    }

    public static YamlMappingNode LoadYamlMapping(string path) =>
        Assert.IsType<YamlMappingNode>(Assert.Single(LoadYaml(path)));

    public static YamlNode? Child(this YamlNode node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static YamlMappingNode Mapping(this YamlNode node, string key) =>
        node.Child(key) as YamlMappingNode ?? throw new InvalidOperationException($"{key}: expected a mapping at {node.Start}");

    public static YamlSequenceNode Sequence(this YamlNode node, string key) =>
        node.Child(key) as YamlSequenceNode ?? throw new InvalidOperationException($"{key}: expected a list at {node.Start}");

    public static IEnumerable<YamlNode> Items(this YamlNode node, string key) =>
        node.Child(key) is YamlSequenceNode sequence ? sequence.Children : [];

    public static string? Text(this YamlNode node, string key) => (node.Child(key) as YamlScalarNode)?.Value;

    public static string Required(this YamlNode node, string key) =>
        node.Text(key) ?? throw new InvalidOperationException($"{key}: expected a value at {node.Start}");

    public static int? Number(this YamlNode node, string key) =>
        node.Text(key) is { } text ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : null;

    public static bool? Flag(this YamlNode node, string key) => node.Text(key) is { } text ? bool.Parse(text) : null;

    public static Dictionary<string, string> StringMap(this YamlNode node, string key) =>
        node.Child(key) is YamlMappingNode mapping
            ? mapping.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    // ---- The image ----

    public sealed record ImageFacts(int Uid, int Gid, string ConfigPath, string ConfigSource, HashSet<int> Exposed, List<string> Volumes,
        string HealthcheckConfig);

    /// <summary>What the Dockerfile builds: its user, the configuration file the entrypoint reads and where it comes from.</summary>
    public static ImageFacts Image()
    {
        string text = File.ReadAllText(Path.Combine(Repository, "Dockerfile"));
        // USER as numbers (uid[:gid]), or as the name the image's useradd/groupadd created with --uid/--gid.
        var user = NumericUser().Match(Instruction(text, "USER"));
        int uid = int.Parse(user.Success ? user.Groups[1].Value : UidOption().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
        int gid = int.Parse(user.Success && user.Groups[2].Success ? user.Groups[2].Value : GidOption().Match(text).Groups[1].Value,
            CultureInfo.InvariantCulture);
        var entrypoint = JsonSerializer.Deserialize<string[]>(Instruction(text, "ENTRYPOINT"))!;
        string configPath = ConfigArgument(entrypoint);
        string healthcheck = ConfigArgument(JsonSerializer.Deserialize<string[]>(HealthcheckCommand().Match(text).Groups[1].Value)!);
        string source = text.Split('\n').Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(words => words.Length == 3 && words[0] == "COPY" && words[2] == configPath)[1];
        var exposed = Instruction(text, "EXPOSE").Split(' ', StringSplitOptions.RemoveEmptyEntries).SelectMany(Ports).ToHashSet();
        var volumes = JsonSerializer.Deserialize<List<string>>(Instruction(text, "VOLUME"))!;
        return new ImageFacts(uid, gid, configPath, Path.Combine(Repository, source), exposed, volumes, healthcheck);
    }

    private static string Instruction(string dockerfile, string name) =>
        dockerfile.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

    private static string ConfigArgument(string[] command) => command[Array.IndexOf(command, "--config") + 1];

    [GeneratedRegex(@"^(\d+)(?::(\d+))?$")]
    private static partial Regex NumericUser();

    [GeneratedRegex(@"useradd\b[^\n]*--uid (\d+)")]
    private static partial Regex UidOption();

    [GeneratedRegex(@"groupadd\b[^\n]*--gid (\d+)")]
    private static partial Regex GidOption();

    /// <summary>HEALTHCHECK's options, a line continuation, then its exec-form CMD.</summary>
    [GeneratedRegex(@"HEALTHCHECK[^\n]*\\\s*\n\s*CMD (\[[^\n]*\])")]
    private static partial Regex HealthcheckCommand();

    // ---- Server configuration ----

    public sealed record BoundConfiguration(MultiXferSettings Settings, List<string> Problems)
    {
        public HashSet<int> ListenerPorts => [.. Settings.Listeners.Values.Select(l => l.Port)];

        public HashSet<int> PassivePorts
        {
            get
            {
                Assert.True(PortRange.TryParse(Settings.Ftp.PassivePorts, out var range, out string problem), problem);
                Assert.True(range is not null, "Ftp:PassivePorts is empty: the system would pick any port, which no example can publish");
                return [.. Enumerable.Range(range.Value.First, range.Value.Count)];
            }
        }

        public IEnumerable<string> Directories => [Settings.Server.DataRoot, Settings.Server.KeysDirectory, Settings.Server.StateDirectory];
    }

    /// <summary>
    /// A configuration file, read from <paramref name="configPath"/> inside the image, with environment variables over it,
    /// as the server builds it (ConfigurationSources: Server:PathBase the file's directory, the file, then
    /// MULTIXFER__Section__Key), bound and checked by the server's validator, which also refuses unknown keys.
    /// </summary>
    public static BoundConfiguration BindConfiguration(string json, string configPath, IEnumerable<KeyValuePair<string, string>> environment)
    {
        string prefix = ConfigurationSources.EnvironmentPrefix;
        var overrides = environment.Where(e => e.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(e => new KeyValuePair<string, string?>(e.Key[prefix.Length..].Replace("__", ":", StringComparison.Ordinal), e.Value));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new($"{ServerOptions.Section}:{nameof(ServerOptions.PathBase)}", Path.GetDirectoryName(configPath))])
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)))
            .AddInMemoryCollection(overrides)
            .Build();
        var settings = MultiXferSettings.Bind(configuration);
        return new BoundConfiguration(settings, SettingsValidator.Validate(settings, configuration));
    }

    // ---- Ports ----

    /// <summary>"21", "50000-50199", "21/tcp".</summary>
    public static IEnumerable<int> Ports(string text)
    {
        string bare = text.Split('/')[0];
        string[] ends = bare.Split('-');
        int first = int.Parse(ends[0], CultureInfo.InvariantCulture), last = int.Parse(ends[^1], CultureInfo.InvariantCulture);
        Assert.True(ends.Length <= 2 && first <= last, $"'{text}' is not a port or a port range");
        return Enumerable.Range(first, last - first + 1);
    }

    public static string Describe(IEnumerable<int> ports)
    {
        var sorted = ports.Distinct().Order().ToList();
        var runs = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            runs.Add(i == j ? sorted[i].ToString(CultureInfo.InvariantCulture) : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }

        return runs.Count == 0 ? "(none)" : string.Join(", ", runs);
    }

    public static bool IsLoopback(string address) => IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip);
}
