using System.Data.Common;
using System.Globalization;
using System.Net;
using MultiXfer.TestKit;
using YamlDotNet.RepresentationModel;
using static MultiXfer.Server.Tests.Deploy.DeployFiles;

namespace MultiXfer.Server.Tests.Deploy;

/// <summary>
/// The deploy examples agree with the image and with the configuration they give it: every port a listener or the
/// passive range uses is published (and nothing else), the directories the configuration names are the volumes, the
/// probes ask the admin listener the configuration binds, the user is the image's, the server's own validator
/// accepts every configuration they build, and HAProxy accepts its file and routes each passive range to the gateway
/// that owns it. Every expectation is read from the files, so a change to one side that the other does not follow
/// fails here.
/// </summary>
public sealed class DeployExamplesTests
{
    private static readonly TimeSpan HaproxyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The admin listener's probe endpoints (HealthEndpoints), which answer without a token.</summary>
    private static readonly string[] ProbePaths = ["/healthz", "/readyz"];

    [Fact]
    public void Every_yaml_file_under_deploy_parses()
    {
        var files = Directory.EnumerateFiles(DeployDirectory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)).Order().ToList();

        Assert.True(files.Count >= 10, $"only {files.Count} YAML files under deploy/: {string.Join(", ", files)}");
        Assert.All(files, file =>
        {
            var documents = LoadYaml(file);
            Assert.NotEmpty(documents);
            Assert.All(documents, d => Assert.IsType<YamlMappingNode>(d));
        });
    }

    [Fact]
    public void The_image_exposes_and_declares_what_its_configuration_uses()
    {
        var image = Image();
        var config = ImageConfiguration(image);

        Assert.Empty(config.Problems);
        Assert.Equal(image.ConfigPath, image.HealthcheckConfig);
        AssertSamePorts(config.ListenerPorts.Union(config.PassivePorts), image.Exposed, "the Dockerfile's EXPOSE");
        Assert.Equal(config.Directories.Order(), image.Volumes.Order());
    }

    [Fact]
    public void Single_gateway_compose_publishes_every_listener_and_passive_port_of_the_image()
    {
        var image = Image();
        var service = ComposeFile.Load(InDeploy("docker-compose.yml")).Values.Single(s => s.IsBuiltHere);
        var config = ImageConfiguration(image, service.Environment);

        Assert.Empty(config.Problems);
        AssertPublished(service.Ports, config, config.PassivePorts, service.Name);
        Assert.Equal(config.Directories.Order(), service.Volumes.Select(v => v.Target).Order());
        Assert.True(service.StopGracePeriod > TimeSpan.FromSeconds(config.Settings.Server.ShutdownGraceSeconds),
            $"stop_grace_period {service.StopGracePeriod} must exceed Server:ShutdownGraceSeconds {config.Settings.Server.ShutdownGraceSeconds}");
        // Without it PASV would advertise the container's bridge address.
        Assert.True(IPAddress.TryParse(config.Settings.Ftp.PassiveAddress, out _), $"Ftp:PassiveAddress '{config.Settings.Ftp.PassiveAddress}'");
    }

    [Fact]
    public void Cluster_gateways_take_proxy_v2_only_from_haproxy_and_share_postgresql()
    {
        var image = Image();
        var services = ComposeFile.Load(InDeploy("docker-compose.cluster.yml"));
        var gateways = services.Values.Where(s => s.IsBuiltHere).ToList();
        var haproxy = services.Values.Single(s => s.Image.StartsWith("haproxy", StringComparison.Ordinal));
        string proxyAddress = Assert.Single(haproxy.FixedAddresses);

        Assert.True(gateways.Count >= 2, "a cluster has two gateways or more");
        foreach (var gateway in gateways)
        {
            var config = ImageConfiguration(image, gateway.Environment);
            Assert.Empty(config.Problems);
            Assert.Empty(gateway.Ports);
            Assert.All(config.Settings.Listeners, l =>
            {
                Assert.True(l.Value.ProxyProtocol == "required", $"{gateway.Name}: Listeners:{l.Key}:ProxyProtocol is {l.Value.ProxyProtocol}");
                Assert.Equal(proxyAddress, Assert.Single(l.Value.TrustedProxies));
            });
            Assert.True(IPAddress.TryParse(config.Settings.Ftp.PassiveAddress, out _),
                $"{gateway.Name}: Ftp:PassiveAddress '{config.Settings.Ftp.PassiveAddress}'");
            Assert.True(gateway.StopGracePeriod > TimeSpan.FromSeconds(config.Settings.Server.ShutdownGraceSeconds), gateway.Name);

            // One account store for all: the compose file's PostgreSQL, with the credentials it was created with.
            Assert.Equal("postgresql", config.Settings.Accounts.Provider);
            var connection = new DbConnectionStringBuilder { ConnectionString = config.Settings.Accounts.ConnectionString };
            var database = services[(string)connection["Host"]];
            Assert.StartsWith("postgres", database.Image, StringComparison.Ordinal);
            var created = database.Environment;
            Assert.Equal((created["POSTGRES_DB"], created["POSTGRES_USER"], created["POSTGRES_PASSWORD"]),
                ((string)connection["Database"], (string)connection["Username"], (string)connection["Password"]));

            // Users' files and host keys shared (clients must see one host key whichever gateway they reach), state not.
            var mounts = gateway.Volumes.ToDictionary(v => v.Target, v => v.Source, StringComparer.Ordinal);
            Assert.Equal(config.Directories.Order(), mounts.Keys.Order());
            Assert.All(gateways, other => Assert.Equal(mounts[config.Settings.Server.KeysDirectory],
                other.Volumes.Single(v => v.Target == config.Settings.Server.KeysDirectory).Source));
            Assert.All(gateways, other => Assert.Equal(mounts[config.Settings.Server.DataRoot],
                other.Volumes.Single(v => v.Target == config.Settings.Server.DataRoot).Source));
            Assert.Single(gateways, other => other.Volumes.Single(v => v.Target == config.Settings.Server.StateDirectory).Source
                == mounts[config.Settings.Server.StateDirectory]);
        }
    }

    [Fact]
    public void Cluster_passive_ranges_are_disjoint_and_haproxy_routes_each_to_the_gateway_that_owns_it()
    {
        var image = Image();
        var services = ComposeFile.Load(InDeploy("docker-compose.cluster.yml"));
        var haproxyService = services.Values.Single(s => s.Image.StartsWith("haproxy", StringComparison.Ordinal));
        var mounted = haproxyService.Volumes.Single(v => v.Target.EndsWith("haproxy.cfg", StringComparison.Ordinal)).Source;
        Assert.Equal(InDeploy("haproxy", "haproxy.cfg"), Path.GetFullPath(Path.Combine(DeployDirectory, mounted)));
        var haproxy = HaproxyConfig.Parse(File.ReadAllText(InDeploy("haproxy", "haproxy.cfg")));
        var gateways = services.Values.Where(s => s.IsBuiltHere).ToDictionary(s => s.Name, s => ImageConfiguration(image, s.Environment));
        var imageConfig = ImageConfiguration(image);

        // Each passive port belongs to one gateway, and together they are the image's range, which HAProxy publishes.
        var owner = new Dictionary<int, string>();
        foreach (var (name, config) in gateways)
        {
            foreach (int port in config.PassivePorts)
            {
                Assert.True(owner.TryAdd(port, name), $"passive port {port} is in the ranges of {owner.GetValueOrDefault(port)} and {name}");
            }
        }

        AssertSamePorts(imageConfig.PassivePorts, owner.Keys, "the gateways' passive ranges together");
        AssertPublished(haproxyService.Ports, imageConfig, owner.Keys, haproxyService.Name);

        // Every port HAProxy binds is published, and where it sends each one.
        var bound = haproxy.Frontends.SelectMany(f => f.Ports).ToList();
        Assert.Equal(bound.Count, bound.Distinct().Count());
        AssertSamePorts(haproxyService.Ports.Select(p => p.Container), bound, "HAProxy's frontends");
        var controlTargets = new HashSet<int>();
        foreach (var frontend in haproxy.Frontends)
        {
            var servers = haproxy.Backends[Assert.Single(frontend.Backends)];
            Assert.NotEmpty(servers);
            Assert.All(servers, s => Assert.True(s.Has("send-proxy-v2"), $"{frontend.Name}: server {s.Name} sends no PROXY v2 header"));
            Assert.All(servers, s => Assert.True(gateways.ContainsKey(s.Host), $"{frontend.Name}: server {s.Name} is {s.Host}, not a gateway"));
            foreach (int port in frontend.Ports)
            {
                if (owner.TryGetValue(port, out string? gateway))
                {
                    // A data connection must reach the gateway that answered PASV, on the port it named.
                    Assert.All(servers, s => Assert.True(s.Host == gateway && s.Port is null,
                        $"{frontend.Name}: passive port {port} belongs to {gateway}, but goes to {s.Host}:{s.Port?.ToString() ?? "same port"}"));
                }
                else
                {
                    // A control connection may go to any gateway, on one of its listeners.
                    Assert.Equal(gateways.Keys.Order(), servers.Select(s => s.Host).Order());
                    Assert.All(servers, s => Assert.Contains(s.Port ?? port, gateways[s.Host].ListenerPorts));
                    controlTargets.UnionWith(servers.Select(s => s.Port ?? port));
                }
            }

            // Health checks ask the gateway's admin listener, which must then be reachable from HAProxy.
            foreach (var server in servers.Where(s => s.Has("check") && s.CheckPort is not null))
            {
                var admin = gateways[server.Host].Settings.Admin;
                Assert.Equal(admin.Port, server.CheckPort);
                Assert.False(IsLoopback(admin.Address), $"{server.Host}: HAProxy checks Admin:Address {admin.Address}");
                Assert.Equal(admin.UseTls, server.Has("check-ssl"));
            }
        }

        AssertSamePorts(imageConfig.ListenerPorts, controlTargets, "the listener ports HAProxy forwards control connections to");
    }

    [ClientFact(HaproxyProcess.Executable)]
    public async Task Haproxy_accepts_the_cluster_configuration()
    {
        var result = await ProcessRunner.RunAsync(HaproxyProcess.Executable, ["-c", "-f", InDeploy("haproxy", "haproxy.cfg")], HaproxyTimeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("[WARNING]", result.Output + result.Error, StringComparison.Ordinal);
    }

    [ClientFact(HaproxyProcess.Executable)]
    public async Task Haproxy_check_refuses_a_broken_copy_of_the_configuration()
    {
        // The check above means something only if haproxy -c fails on a mistake: a misspelt keyword here.
        string copy = Path.Combine(Directory.CreateTempSubdirectory("mx-haproxy-check-").FullName, "haproxy.cfg");
        try
        {
            string text = await File.ReadAllTextAsync(InDeploy("haproxy", "haproxy.cfg"));
            Assert.Contains("send-proxy-v2", text, StringComparison.Ordinal);
            await File.WriteAllTextAsync(copy, text.Replace("send-proxy-v2", "send-proxy-v3", StringComparison.Ordinal));

            var result = await ProcessRunner.RunAsync(HaproxyProcess.Executable, ["-c", "-f", copy], HaproxyTimeout);

            Assert.True(result.ExitCode != 0, result.ToString());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }

    [Fact]
    public void Kustomization_lists_every_manifest_and_none_names_a_namespace()
    {
        var kustomization = LoadYamlMapping(InDeploy("kubernetes", "kustomization.yaml"));
        var listed = kustomization.Sequence("resources").Cast<YamlScalarNode>().Select(r => r.Value!).ToList();
        var present = Directory.EnumerateFiles(InDeploy("kubernetes"), "*.yaml").Select(f => Path.GetFileName(f))
            .Where(f => f != "kustomization.yaml");

        Assert.Equal(present.Order(), listed.Order());
        Assert.Null(kustomization.Text("namespace"));
        Assert.All(Manifests(), m =>
        {
            Assert.NotNull(m.Text("apiVersion"));
            Assert.NotNull(m.Mapping("metadata").Text("name"));
            Assert.Null(m.Mapping("metadata").Text("namespace"));
        });
    }

    [Fact]
    public void Kubernetes_configuration_is_valid_for_the_server()
    {
        var config = KubernetesConfiguration();

        Assert.Empty(config.Problems);
    }

    [Fact]
    public void Kubernetes_service_and_container_ports_are_exactly_the_listeners_and_the_passive_ports()
    {
        var config = KubernetesConfiguration();
        var pod = PodSpec();
        var containerPorts = ContainerPorts();
        var published = PublicServices().SelectMany(s => s.Mapping("spec").Sequence("ports")).ToList();

        AssertSamePorts(config.ListenerPorts.Union(config.PassivePorts).Append(config.Settings.Admin.Port), containerPorts.Values,
            "the container's ports");
        Assert.Equal(containerPorts.Count, containerPorts.Values.Distinct().Count());
        var targets = published.Select(p => (Port: p.Number("port")!.Value, Target: Resolve(p.Required("targetPort"), containerPorts))).ToList();
        AssertSamePorts(config.ListenerPorts.Union(config.PassivePorts), targets.Select(t => t.Target), "the Service's target ports");
        Assert.Equal(targets.Count, targets.Select(t => t.Target).Distinct().Count());
        // PASV and EPSV name the port the server listens on: outside and inside must be the same number.
        Assert.All(targets.Where(t => config.PassivePorts.Contains(t.Target)), t => Assert.Equal(t.Target, t.Port));
        Assert.DoesNotContain(config.Settings.Admin.Port, targets.Select(t => t.Target));
        // Left empty, PASV would advertise the pod's own address, which clients outside the cluster cannot reach.
        Assert.False(string.IsNullOrWhiteSpace(config.Settings.Ftp.PassiveAddress), "Ftp:PassiveAddress is not set");
        Assert.All(PublicServices(), s =>
        {
            Assert.True(s.Mapping("spec").Text("externalTrafficPolicy") == "Local",
                "the client's address must survive to the pod (passive data check, limits)");
            AssertSelects(s.Mapping("spec").Mapping("selector"), pod.labels);
        });
    }

    [Fact]
    public void Kubernetes_probes_ask_healthz_and_readyz_on_the_admin_listener_the_configuration_binds()
    {
        var admin = KubernetesConfiguration().Settings.Admin;
        var container = GatewayContainer();
        var containerPorts = ContainerPorts();

        Assert.True(admin.Enabled);
        Assert.False(IsLoopback(admin.Address), $"Admin:Address {admin.Address}: the kubelet probes the pod's address, not its loopback");
        Assert.True(IPAddress.TryParse(admin.Address, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)),
            $"Admin:Address {admin.Address}: the pod's address is not known before it starts, so the listener binds every address");
        (string Probe, string? Path)[] probes = [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", null)];
        foreach (var (probe, path) in probes)
        {
            if (container.Child(probe) is not { } node)
            {
                Assert.True(path is null, $"{probe} is missing");
                continue;
            }

            var get = node.Mapping("httpGet");
            Assert.Contains(get.Required("path"), ProbePaths);
            if (path is not null)
            {
                Assert.Equal(path, get.Required("path"));
            }

            Assert.Equal(admin.Port, Resolve(get.Required("port"), containerPorts));
            Assert.Equal(admin.UseTls ? "HTTPS" : "HTTP", get.Text("scheme") ?? "HTTP");
        }
    }

    [Fact]
    public void Kubernetes_volumes_are_the_configured_directories_and_the_configuration_file()
    {
        var image = Image();
        var config = KubernetesConfiguration();
        var pod = PodSpec();
        var mounts = GatewayContainer().Sequence("volumeMounts").ToDictionary(m => m.Required("mountPath"), m => m, StringComparer.Ordinal);
        var volumes = pod.spec.Items("volumes").ToDictionary(v => v.Required("name"), v => v, StringComparer.Ordinal);
        var claims = StatefulSet().Mapping("spec").Items("volumeClaimTemplates").Select(c => c.Mapping("metadata").Required("name")).ToHashSet();
        string configDirectory = Path.GetDirectoryName(image.ConfigPath)!;

        Assert.Equal(config.Directories.Append(configDirectory).Order(), mounts.Keys.Order());

        // The configuration file: the ConfigMap, with the name the entrypoint reads, mounted whole (subPath gets no updates).
        var configMount = mounts[configDirectory];
        Assert.Null(configMount.Text("subPath"));
        var configMap = Manifests().Single(m => Kind(m) == "ConfigMap"
            && Name(m) == volumes[configMount.Required("name")].Mapping("configMap").Required("name"));
        Assert.Contains(Path.GetFileName(image.ConfigPath), configMap.StringMap("data").Keys);

        // Keys: Secrets, read-only, holding every file the configuration names there, so nothing has to be generated.
        var keysVolume = volumes[mounts[config.Settings.Server.KeysDirectory].Required("name")];
        List<string> secretNames = keysVolume.Child("secret") is { } single ? [single.Required("secretName")]
            : keysVolume.Mapping("projected").Sequence("sources").Select(s => s.Mapping("secret").Required("name")).ToList();
        var secrets = Manifests().Where(m => Kind(m) == "Secret" && secretNames.Contains(Name(m))).ToList();
        Assert.Equal(secretNames.Count, secrets.Count);
        var secretKeys = secrets.SelectMany(m => m.StringMap("stringData").Keys.Concat(m.StringMap("data").Keys)).ToHashSet();
        Assert.True(config.Settings.Ssh.HostKeys is { Count: > 0 },
            "Ssh:HostKeys must name the Secret's host keys (a read-only mount cannot take generated ones)");
        string[] keyFiles = [.. config.Settings.Ssh.HostKeys, config.Settings.Tls.CertificateFile, config.Settings.Tls.KeyFile];
        Assert.All(keyFiles, file =>
        {
            Assert.Equal(config.Settings.Server.KeysDirectory, Path.GetDirectoryName(file));
            Assert.Contains(Path.GetFileName(file), secretKeys);
        });

        // Data and state: writable, and kept across restarts (the state holds the account database).
        foreach (string directory in new[] { config.Settings.Server.DataRoot, config.Settings.Server.StateDirectory })
        {
            var mount = mounts[directory];
            Assert.True(mount.Flag("readOnly") != true, $"{directory} is mounted read-only");
            string name = mount.Required("name");
            Assert.True(claims.Contains(name) || volumes.GetValueOrDefault(name)?.Child("persistentVolumeClaim") is not null,
                $"{directory} is on volume {name}, which is no persistent volume claim");
        }
    }

    [Fact]
    public void Kubernetes_pod_runs_as_the_image_user_on_a_read_only_root_and_outlasts_the_shutdown_grace()
    {
        var image = Image();
        var config = KubernetesConfiguration();
        var pod = PodSpec().spec;
        var podSecurity = pod.Mapping("securityContext");
        var security = GatewayContainer().Mapping("securityContext");

        Assert.Equal(image.Uid, security.Number("runAsUser") ?? podSecurity.Number("runAsUser"));
        Assert.Equal(image.Gid, security.Number("runAsGroup") ?? podSecurity.Number("runAsGroup"));
        Assert.Equal(image.Gid, podSecurity.Number("fsGroup"));
        Assert.True(security.Flag("runAsNonRoot") ?? podSecurity.Flag("runAsNonRoot"));
        Assert.True(security.Flag("readOnlyRootFilesystem"));
        Assert.False(security.Flag("allowPrivilegeEscalation"));
        Assert.True(pod.Number("terminationGracePeriodSeconds") > config.Settings.Server.ShutdownGraceSeconds,
            $"terminationGracePeriodSeconds {pod.Number("terminationGracePeriodSeconds")} must exceed Server:ShutdownGraceSeconds "
            + $"{config.Settings.Server.ShutdownGraceSeconds}");

        // Listeners below 1024 without root: the unprivileged port floor must be at most the lowest of them.
        int lowest = config.ListenerPorts.Min();
        if (lowest < 1024)
        {
            var floor = podSecurity.Items("sysctls").SingleOrDefault(s => s.Required("name") == "net.ipv4.ip_unprivileged_port_start");
            Assert.True(floor is not null && int.Parse(floor.Required("value"), CultureInfo.InvariantCulture) <= lowest,
                $"port {lowest} needs net.ipv4.ip_unprivileged_port_start <= {lowest} for user {image.Uid}");
        }
    }

    [Fact]
    public void Kubernetes_sqlite_gateway_is_a_single_replica()
    {
        var config = KubernetesConfiguration();
        var statefulSet = StatefulSet().Mapping("spec");

        // One database file, one writer; a second replica would also get the wrong pod for FTP data connections.
        if (config.Settings.Accounts.Provider == "sqlite")
        {
            Assert.Equal(1, statefulSet.Number("replicas") ?? 1);
        }

        // Its governing Service is a headless one of these manifests.
        var governing = Manifests().Single(m => Kind(m) == "Service" && Name(m) == statefulSet.Required("serviceName"));
        Assert.Equal("None", governing.Mapping("spec").Text("clusterIP"));
    }

    [Fact]
    public void Kubernetes_budget_and_network_policy_cover_the_gateway_and_open_the_admin_port_to_monitoring_only()
    {
        var config = KubernetesConfiguration();
        var pod = PodSpec();
        var budget = Manifests().Single(m => Kind(m) == "PodDisruptionBudget");
        var policy = Manifests().Single(m => Kind(m) == "NetworkPolicy");

        AssertSelects(budget.Mapping("spec").Mapping("selector").Mapping("matchLabels"), pod.labels);
        AssertSelects(policy.Mapping("spec").Mapping("podSelector").Mapping("matchLabels"), pod.labels);
        Assert.Contains("Ingress", policy.Mapping("spec").Sequence("policyTypes").Cast<YamlScalarNode>().Select(t => t.Value));

        var rules = policy.Mapping("spec").Items("ingress").ToList();
        var open = rules.Where(r => r.Child("from") is null).SelectMany(PolicyPorts).ToList();
        AssertSamePorts(config.ListenerPorts.Union(config.PassivePorts), open, "the ports the NetworkPolicy opens to everyone");
        var adminRules = rules.Where(r => PolicyPorts(r).Contains(config.Settings.Admin.Port)).ToList();
        Assert.NotEmpty(adminRules);
        Assert.All(adminRules, r => Assert.All(r.Child("from") as YamlSequenceNode ?? throw new Xunit.Sdk.XunitException(
            $"a NetworkPolicy rule opens the admin port {config.Settings.Admin.Port} to every source"), source =>
        {
            Assert.Null(source.Child("ipBlock"));
            Assert.NotNull(source.Child("namespaceSelector"));
        }));
    }

    // ---- helpers ----

    /// <summary>The image's own configuration file (the one its Dockerfile copies to the --config path), with overrides.</summary>
    private static BoundConfiguration ImageConfiguration(ImageFacts image, Dictionary<string, string>? environment = null) =>
        BindConfiguration(File.ReadAllText(image.ConfigSource), image.ConfigPath, environment ?? []);

    private static List<YamlMappingNode> Manifests() =>
        [.. LoadYamlMapping(InDeploy("kubernetes", "kustomization.yaml")).Sequence("resources").Cast<YamlScalarNode>()
            .SelectMany(r => LoadYaml(InDeploy("kubernetes", r.Value!))).Cast<YamlMappingNode>()];

    private static YamlMappingNode StatefulSet() => Manifests().Single(m => Kind(m) is "StatefulSet" or "Deployment");

    private static (YamlMappingNode spec, Dictionary<string, string> labels) PodSpec()
    {
        var template = StatefulSet().Mapping("spec").Mapping("template");
        return (template.Mapping("spec"), template.Mapping("metadata").StringMap("labels"));
    }

    private static YamlMappingNode GatewayContainer() => (YamlMappingNode)Assert.Single(PodSpec().spec.Sequence("containers"));

    /// <summary>Services that take clients' connections (LoadBalancer or NodePort); the headless one is not one.</summary>
    private static List<YamlMappingNode> PublicServices()
    {
        var services = Manifests().Where(m => Kind(m) == "Service" && m.Mapping("spec").Text("type") is "LoadBalancer" or "NodePort").ToList();
        Assert.NotEmpty(services);
        return services;
    }

    /// <summary>The ConfigMap's configuration file with the container's literal environment over it.</summary>
    private static BoundConfiguration KubernetesConfiguration()
    {
        var image = Image();
        var pod = PodSpec().spec;
        var configVolume = pod.Items("volumes").Single(v => v.Required("name") == GatewayContainer().Sequence("volumeMounts")
            .Single(m => m.Required("mountPath") == Path.GetDirectoryName(image.ConfigPath)).Required("name"));
        var configMap = Manifests().Single(m => Kind(m) == "ConfigMap"
            && Name(m) == configVolume.Mapping("configMap").Required("name"));
        var environment = GatewayContainer().Items("env").Where(e => e.Child("value") is not null)
            .ToDictionary(e => e.Required("name"), e => e.Required("value"), StringComparer.Ordinal);
        return BindConfiguration(configMap.StringMap("data")[Path.GetFileName(image.ConfigPath)], image.ConfigPath, environment);
    }

    private static int Resolve(string port, Dictionary<string, int> named) =>
        int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) ? number
        : named.TryGetValue(port, out int value) ? value
        : throw new Xunit.Sdk.XunitException($"no container port is named {port}");

    /// <summary>A NetworkPolicy rule's ports, a port with endPort standing for the range.</summary>
    private static IEnumerable<int> PolicyPorts(YamlNode rule)
    {
        foreach (var port in rule.Items("ports"))
        {
            int first = port.Number("port")!.Value, last = port.Number("endPort") ?? first;
            for (int number = first; number <= last; number++)
            {
                yield return number;
            }
        }
    }

    private static string Kind(YamlNode manifest) => manifest.Required("kind");

    private static string Name(YamlNode manifest) => manifest.Mapping("metadata").Required("name");

    private static Dictionary<string, int> ContainerPorts() =>
        GatewayContainer().Items("ports").ToDictionary(p => p.Required("name"), p => p.Number("containerPort")!.Value, StringComparer.Ordinal);

    private static void AssertSelects(YamlMappingNode selector, Dictionary<string, string> labels)
    {
        Assert.NotEmpty(selector.Children);
        foreach (var (key, value) in selector.Children)
        {
            Assert.Equal(((YamlScalarNode)value).Value, labels.GetValueOrDefault(((YamlScalarNode)key).Value!));
        }
    }

    /// <summary>Host ports given for every container port; exactly the listeners and the passive ports, the passive ones unchanged.</summary>
    private static void AssertPublished(List<PublishedPort> published, BoundConfiguration config, IEnumerable<int> passive, string service)
    {
        AssertSamePorts(config.ListenerPorts.Union(passive), published.Select(p => p.Container), $"{service}'s published container ports");
        Assert.All(published, p => Assert.True(p.Host is not null, $"{service}: container port {p.Container} has no fixed host port"));
        var passiveSet = passive.ToHashSet();
        Assert.All(published.Where(p => passiveSet.Contains(p.Container)),
            p => Assert.True(p.Host == p.Container, $"{service}: passive port {p.Container} is published as {p.Host}; PASV names {p.Container}"));
    }

    private static void AssertSamePorts(IEnumerable<int> expected, IEnumerable<int> actual, string what)
    {
        var want = expected.ToHashSet();
        var have = actual.ToHashSet();
        Assert.True(want.SetEquals(have),
            $"{what}: {Describe(have)}; expected {Describe(want)} (missing {Describe(want.Except(have))}, extra {Describe(have.Except(want))})");
    }
}
