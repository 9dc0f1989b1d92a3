using System.CommandLine;

namespace MultiXfer.Server.Cli;

/// <summary>
/// <c>multixfer accounts import --from ftpasswd|htpasswd|config FILE [--dry-run]</c>: creates an account for each
/// user the source has and the store does not, keeping its password hash; prints what it did (or would do) per user.
/// </summary>
internal static class ImportCommand
{
    public static Command Build()
    {
        var from = new Option<string>("--from") { Description = "ftpasswd (ProFTPD AuthUserFile), htpasswd, or config (a MultiXfer configuration's Users)", Required = true };
        from.AcceptOnlyFromAmong("ftpasswd", "htpasswd", "config");
        var file = new Argument<FileInfo>("file") { Description = "the file to import" };
        var dryRun = new Option<bool>("--dry-run") { Description = "show what would change; change nothing" };
        var dataRoot = new Option<string?>("--data-root") { Description = "ftpasswd: the host directory user homes are relative to (default Server:DataRoot)" };
        var import = new Command("import", "import users, keeping their passwords") { from, file, dryRun, dataRoot };
        import.SetAction((result, ct) => CliApp.WithClientAsync(result, async (client, output) =>
        {
            string path = result.GetValue(file)!.FullName;
            var candidates = result.GetValue(from) switch
            {
                "ftpasswd" => AccountImport.FromFtpasswd(AccountImport.ReadSource(path),
                    result.GetValue(dataRoot) ?? CliApp.LoadSettings(result.GetValue(CliApp.Config)).Server.DataRoot),
                "htpasswd" => AccountImport.FromHtpasswd(AccountImport.ReadSource(path)),
                _ => AccountImport.FromConfiguration(path),
            };

            bool dry = result.GetValue(dryRun);
            var rows = new List<IReadOnlyList<string>>();
            int failed = 0;
            foreach (var candidate in candidates.ToList())
            {
                string outcome;
                if (candidate.Problem is { } problem)
                {
                    outcome = "skip: " + problem;
                    failed++;
                }
                else if ((await client.GetAccountAsync(candidate.Name, ct)).Value is not null)
                {
                    outcome = "skip: an account of that name exists";
                }
                else if (dry)
                {
                    outcome = "would create";
                }
                else
                {
                    var created = await client.CreateAccountAsync(candidate.Spec!, ct);
                    outcome = created.Error is { } error
                        ? "failed: " + error.Message + string.Concat((error.Fields ?? new Dictionary<string, string[]>()).Select(f => $"; {f.Key}: {string.Join(" ", f.Value)}"))
                        : "created";
                    failed += created.Error is null ? 0 : 1;
                }

                rows.Add([candidate.Name, outcome]);
            }

            output.Table(["USER", dry ? "DRY RUN" : "RESULT"], rows);
            return failed == 0 ? 0 : 1;
        }));
        return import;
    }
}
