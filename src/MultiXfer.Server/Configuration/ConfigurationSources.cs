using Microsoft.Extensions.Configuration;

namespace MultiXfer.Server.Configuration;

/// <summary>
/// Where configuration comes from, lowest precedence first: the embedded default (config/multixfer.json built
/// into the binary) or the file named by <c>--config</c>; then environment variables <c>MULTIXFER__Section__Key</c>;
/// then command-line <c>--Section:Key=value</c>.
/// </summary>
public static class ConfigurationSources
{
    public const string EnvironmentPrefix = "MULTIXFER__";
    private const string EmbeddedName = "MultiXfer.Server.multixfer.json";

    /// <exception cref="FileNotFoundException">The --config file does not exist.</exception>
    public static IConfigurationRoot Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        if (ConfigFileArgument(args) is { } file)
        {
            string full = Path.GetFullPath(file);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"--config: {full} does not exist", full);
            }

            // Relative paths in a configuration file mean what they mean where the file lives, whatever the
            // working directory of whoever starts the server (the lowest precedence: the file or a variable may say otherwise).
            builder.AddInMemoryCollection([new($"{MultiXfer.Connections.ServerOptions.Section}:{nameof(MultiXfer.Connections.ServerOptions.PathBase)}",
                Path.GetDirectoryName(full))]);
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        else
        {
            builder.AddJsonStream(EmbeddedDefault());
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddCommandLine(args.Where((_, i) => !IsConfigArgument(args, i)).ToArray());
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        return builder.Build();
    }

    public static Stream EmbeddedDefault() =>
        typeof(ConfigurationSources).Assembly.GetManifestResourceStream(EmbeddedName)
        ?? throw new InvalidOperationException($"embedded resource {EmbeddedName} is missing from the build");

    /// <summary>The value of --config FILE or --config=FILE, if present.</summary>
    public static string? ConfigFileArgument(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                return args[i]["--config=".Length..];
            }
        }

        return null;
    }

    private static bool IsConfigArgument(string[] args, int index) =>
        args[index] == "--config" || args[index].StartsWith("--config=", StringComparison.Ordinal) ||
        (index > 0 && args[index - 1] == "--config");
}
