using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MultiXfer.Server.Admin;

namespace MultiXfer.Server.Cli;

/// <summary>Tables for people, JSON (the API's own shapes) for scripts; errors on standard error with exit codes.</summary>
internal sealed class CliOutput(TextWriter output, TextWriter error, bool json)
{
    public bool Json => json;

    public void Write<T>(T value, JsonTypeInfo<T> type, Action<T> asText)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(value, new JsonSerializerOptions(type.Options) { WriteIndented = true }.GetTypeInfo(typeof(T))));
        }
        else
        {
            asText(value);
        }
    }

    public void Line(string text) => output.WriteLine(text);

    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        int[] widths = [.. headers.Select((h, i) => Math.Max(h.Length, all.Select(r => r[i].Length).DefaultIfEmpty(0).Max()))];
        output.WriteLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in all)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    /// <summary>Exit codes: 1 for what the server refused or could not find, 2 for a wrong command line.</summary>
    public int Fail(OperationError failure)
    {
        error.WriteLine($"multixfer: {failure.Message}");
        foreach (var (field, messages) in failure.Fields ?? new Dictionary<string, string[]>())
        {
            foreach (string message in messages)
            {
                error.WriteLine($"  {field}: {message}");
            }
        }

        return 1;
    }

    public int Fail(string message, int code = 2)
    {
        error.WriteLine($"multixfer: {message}");
        return code;
    }

    public void Account(AccountResource a) => Write(a, AdminJson.Default.AccountResource, account =>
    {
        output.WriteLine($"name:          {account.Name}");
        output.WriteLine($"password:      {(account.HasPassword ? account.PasswordScheme : "none (keys only)")}");
        output.WriteLine($"home:          {account.Home ?? "/" + account.Name}");
        output.WriteLine($"read-only:     {account.ReadOnly}");
        output.WriteLine($"protocols:     {string.Join(", ", account.Protocols)}");
        output.WriteLine($"virtual host:  {account.VirtualHost ?? "(default)"}");
        output.WriteLine($"disabled:      {account.Disabled}");
        output.WriteLine($"expires:       {account.ExpiresAt?.ToString("u") ?? "never"}");
        output.WriteLine($"networks:      {(account.AllowedNetworks.Count == 0 ? "any" : string.Join(", ", account.AllowedNetworks))}");
        output.WriteLine($"description:   {account.Description}");
        output.WriteLine($"limits:        sessions {account.Limits.MaxSessions?.ToString() ?? "-"}, quota {account.Limits.QuotaBytes?.ToString() ?? "-"} bytes / " +
            $"{account.Limits.QuotaFiles?.ToString() ?? "-"} files, up {account.Limits.UploadBytesPerSecond?.ToString() ?? "-"} B/s, " +
            $"down {account.Limits.DownloadBytesPerSecond?.ToString() ?? "-"} B/s; per day up {account.Limits.UploadBytesPerDay?.ToString() ?? "-"}, " +
            $"down {account.Limits.DownloadBytesPerDay?.ToString() ?? "-"}, both {account.Limits.TransferBytesPerDay?.ToString() ?? "-"} bytes");
        output.WriteLine($"created:       {account.CreatedAt:u}   updated: {account.UpdatedAt:u}   last login: {account.LastLoginAt?.ToString("u") ?? "never"}");
        output.WriteLine($"version:       {account.Version}");
        foreach (var key in account.AuthorizedKeys)
        {
            output.WriteLine($"key:           {key.Type} {key.Fingerprint} {key.Comment}".TrimEnd());
        }
    });

    public void Usage(UsageResource u) => Write(u, AdminJson.Default.UsageResource, usage =>
    {
        output.WriteLine($"account:       {usage.Account}");
        output.WriteLine($"disk:          {usage.UsedBytes} of {Limit(usage.Limits.QuotaBytes)} bytes, {usage.UsedFiles} of {Limit(usage.Limits.QuotaFiles)} files");
        output.WriteLine($"today (UTC):   up {usage.UploadedToday} of {Limit(usage.Limits.UploadBytesPerDay)}, down {usage.DownloadedToday} of " +
            $"{Limit(usage.Limits.DownloadBytesPerDay)}, both of {Limit(usage.Limits.TransferBytesPerDay)} bytes");
        output.WriteLine($"sessions:      {usage.Sessions} of {Limit(usage.Limits.MaxSessions)}");
        output.WriteLine($"rates:         up {Limit(usage.Limits.UploadBytesPerSecond)}, down {Limit(usage.Limits.DownloadBytesPerSecond)} B/s");
        output.WriteLine($"last scan:     {usage.ScannedAt?.ToString("u") ?? "never"}");
    });

    private static string Limit(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited";
}
