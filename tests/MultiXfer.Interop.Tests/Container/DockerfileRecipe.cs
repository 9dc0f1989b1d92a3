using System.Text.Json;
using System.Text.RegularExpressions;

namespace MultiXfer.Interop.Tests.Container;

/// <summary>
/// What the repository's Dockerfile says, read from the file itself so the container-equivalent run follows it: the
/// build stage's COPY sources and its publish command, and the final stage's user, working directory, volumes,
/// configuration file and entry point. A change to the Dockerfile changes what the smoke runs.
/// </summary>
internal sealed partial class DockerfileRecipe
{
    private DockerfileRecipe()
    {
    }

    /// <summary>Paths the build stage copies from the context (relative to the repository root).</summary>
    public List<string> BuildSources { get; } = [];

    /// <summary>The build stage's <c>dotnet publish</c> arguments (after "dotnet"), output directory included.</summary>
    public List<string> PublishArguments { get; } = [];

    /// <summary>Where the publish output lands in the image (its -o).</summary>
    public string AppDirectory { get; private set; } = "";

    public int UserId { get; private set; }

    public int GroupId { get; private set; }

    public string WorkingDirectory { get; private set; } = "";

    public List<string> Volumes { get; } = [];

    /// <summary>(context path, image path) of the configuration file the final stage copies.</summary>
    public (string Source, string Target) Configuration { get; private set; }

    public List<string> EntryPoint { get; } = [];

    public List<string> HealthCheck { get; } = [];

    public static DockerfileRecipe Read(string dockerfile)
    {
        var recipe = new DockerfileRecipe();
        // Continuation lines joined, comments dropped, as Docker reads them.
        string text = Regex.Replace(File.ReadAllText(dockerfile), @"\\\r?\n", " ");
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        int stage = -1;
        foreach (string line in lines)
        {
            string instruction = line.Split(' ', 2)[0].ToUpperInvariant();
            string rest = line.Length > instruction.Length ? line[instruction.Length..].Trim() : "";
            switch (instruction)
            {
                case "FROM":
                    stage++;
                    break;
                case "COPY" when stage == 0:
                    var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    recipe.BuildSources.AddRange(words[..^1]);
                    break;
                case "RUN" when stage == 0 && rest.StartsWith("dotnet publish ", StringComparison.Ordinal):
                    // BuildKit's TARGETARCH names the platform being built for; here, this machine's.
                    var arguments = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                        .Select(a => a.Replace("$TARGETARCH", TargetArchitecture(), StringComparison.Ordinal)).ToList();
                    recipe.PublishArguments.AddRange(arguments);
                    recipe.AppDirectory = arguments[arguments.IndexOf("-o") + 1];
                    break;
                case "COPY" when stage > 0 && !rest.StartsWith("--from", StringComparison.Ordinal):
                    var parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
                    recipe.Configuration = (parts[0], parts[1]);
                    break;
                case "USER" when stage > 0:
                    var ids = rest.Split(':');
                    recipe.UserId = int.Parse(ids[0], System.Globalization.CultureInfo.InvariantCulture);
                    recipe.GroupId = ids.Length > 1 ? int.Parse(ids[1], System.Globalization.CultureInfo.InvariantCulture) : recipe.UserId;
                    break;
                case "WORKDIR" when stage > 0:
                    recipe.WorkingDirectory = rest;
                    break;
                case "VOLUME":
                    recipe.Volumes.AddRange(JsonSerializer.Deserialize<string[]>(rest)!);
                    break;
                case "ENTRYPOINT":
                    recipe.EntryPoint.AddRange(JsonSerializer.Deserialize<string[]>(rest)!);
                    break;
                case "HEALTHCHECK":
                    recipe.HealthCheck.AddRange(JsonSerializer.Deserialize<string[]>(HealthCommand().Match(rest).Groups[1].Value)!);
                    break;
            }
        }

        return recipe;
    }

    /// <summary>Docker's name for this machine's architecture, as BuildKit would set TARGETARCH.</summary>
    private static string TargetArchitecture() => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        var other => throw new PlatformNotSupportedException($"no Docker architecture name for {other}"),
    };

    [GeneratedRegex(@"CMD\s+(\[.*\])")]
    private static partial Regex HealthCommand();
}
