using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Container;

/// <summary>
/// The image's file system without an image: the build stage's sources copied as the Dockerfile's COPY lines copy them
/// (minus what .dockerignore leaves out), published with the Dockerfile's own <c>dotnet publish</c> command into a
/// directory standing for /app, and the configuration file put where the final stage puts it. Shared by the tests of a
/// class, with the network namespace they run in.
/// </summary>
public sealed class PublishedImage : IAsyncLifetime
{
    private static readonly string[] IgnoredDirectories = ["bin", "obj"];

    private DirectoryInfo _root = null!;

    internal DockerfileRecipe Recipe { get; private set; } = null!;

    internal NetworkNamespace Network { get; private set; } = null!;

    /// <summary>Where /app's contents are.</summary>
    public string AppDirectory { get; private set; } = "";

    /// <summary>Where the image's configuration file is (standing for its path in the image).</summary>
    public string ConfigurationFile { get; private set; } = "";

    /// <summary>A directory the tests may use for volumes and client files, removed afterwards.</summary>
    public string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(_root.FullName, name + "-" + Guid.NewGuid().ToString("N")[..6])).FullName;

    public async Task InitializeAsync()
    {
        Recipe = DockerfileRecipe.Read(RepositoryRoot.Combine("Dockerfile"));
        _root = Directory.CreateTempSubdirectory("mx-image-");
        // The unprivileged server must reach its binaries and configuration through this directory.
        File.SetUnixFileMode(_root.FullName, (UnixFileMode)0b111_101_101);
        string source = Directory.CreateDirectory(Path.Combine(_root.FullName, "source")).FullName;
        foreach (string path in Recipe.BuildSources)
        {
            Copy(RepositoryRoot.Combine(path), Path.Combine(source, path));
        }

        AppDirectory = Path.Combine(_root.FullName, "app");
        var arguments = Recipe.PublishArguments.ToList();
        arguments[arguments.IndexOf("-o") + 1] = AppDirectory;
        var published = await ProcessRunner.RunAsync("dotnet", arguments, TimeSpan.FromMinutes(10), workingDirectory: source);
        Assert.True(published.ExitCode == 0, $"dotnet {string.Join(' ', arguments)}: {published}");

        ConfigurationFile = Path.Combine(_root.FullName, Recipe.Configuration.Target.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigurationFile)!);
        File.Copy(RepositoryRoot.Combine(Recipe.Configuration.Source), ConfigurationFile);
        foreach (string directory in new[] { Path.GetDirectoryName(ConfigurationFile)!, Path.GetDirectoryName(Path.GetDirectoryName(ConfigurationFile))! })
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        }

        Network = await NetworkNamespace.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        if (Network is not null)
        {
            await Network.DisposeAsync();
        }

        _root?.Delete(recursive: true);
    }

    /// <summary>The entry point's arguments with the image's paths replaced by where they are here.</summary>
    internal List<string> Command(params string[] instead)
    {
        var command = instead.Length > 0 ? [Recipe.EntryPoint[0], Recipe.EntryPoint[1], .. instead] : Recipe.EntryPoint.ToList();
        return command.Select(Here).ToList();
    }

    /// <summary>The health check's command, with the image's paths replaced.</summary>
    internal List<string> HealthCheckCommand() => Recipe.HealthCheck.Select(Here).ToList();

    private string Here(string argument) => argument
        .Replace(Recipe.Configuration.Target, ConfigurationFile, StringComparison.Ordinal)
        .Replace(Recipe.AppDirectory + "/", AppDirectory + "/", StringComparison.Ordinal);

    private static void Copy(string from, string to)
    {
        if (File.Exists(from))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            return;
        }

        Directory.CreateDirectory(to);
        foreach (string entry in Directory.EnumerateFileSystemEntries(from))
        {
            string name = Path.GetFileName(entry);
            if (!IgnoredDirectories.Contains(name))
            {
                Copy(entry, Path.Combine(to, name));
            }
        }
    }
}
