using System.Globalization;
using MultiXfer.Ftp.Session;
using MultiXfer.Limits;

namespace MultiXfer.Ftp.Commands;

/// <summary>
/// SITE QUOTA in ProFTPD's mod_quotatab reply form, so scripts written for it read ours: "Uploaded bytes" is the
/// disk the account holds against its byte quota, "Uploaded files" its files against the file quota; downloads and
/// transfers are today's (UTC) against the daily allowances.
/// </summary>
internal static class QuotaCommand
{
    public static async ValueTask ShowAsync(FtpSession session)
    {
        var account = session.Connection.Limits?.Account;
        var usage = account is null ? null : await account.CurrentAsync(session.Connection.ConnectionClosed);
        if (usage is null || !HasAny(usage.Limits))
        {
            await session.ReplyAsync(202, "No quotas in effect");
            return;
        }

        var limits = usage.Limits;
        await session.ReplyMultilineAsync(200, "The current quota for this session are [current/limit]:",
        [
            $"Name: {session.User!.Name}",
            "Quota Type: User",
            "Per Session: False",
            "Limit Type: Hard",
            $"  Uploaded bytes:\t{Bytes(usage.UsedBytes, limits.QuotaBytes)}",
            $"  Downloaded bytes:\t{Bytes(usage.DownloadedToday, limits.DownloadBytesPerDay)}",
            $"  Transferred bytes:\t{Bytes(usage.UploadedToday + usage.DownloadedToday, limits.TransferBytesPerDay)}",
            $"  Uploaded files:\t{Files(usage.UsedFiles, limits.QuotaFiles)}",
            "  Downloaded files:\tunlimited",
            "  Transferred files:\tunlimited",
        ], "Please contact the server administrator if these entries are inaccurate");
    }

    private static bool HasAny(AccountLimits limits) =>
        limits.QuotaBytes is not null || limits.QuotaFiles is not null || limits.DownloadBytesPerDay is not null ||
        limits.UploadBytesPerDay is not null || limits.TransferBytesPerDay is not null;

    /// <summary>ProFTPD prints "unlimited" for a limit that is not set, and figures with two decimals.</summary>
    private static string Bytes(long used, long? limit) => limit is { } l
        ? string.Create(CultureInfo.InvariantCulture, $"{used:F2}/{l:F2}")
        : "unlimited";

    private static string Files(long used, long? limit) => limit is { } l
        ? string.Create(CultureInfo.InvariantCulture, $"{used}/{l}")
        : "unlimited";
}
