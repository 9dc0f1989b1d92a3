using Microsoft.Extensions.Logging;
using MultiXfer.Auth.Accounts;
using MultiXfer.Connections;
using MultiXfer.Server.Configuration;
using MultiXfer.Transport;

namespace MultiXfer.Server.Admin;

/// <summary>
/// The live sessions of every protocol, read from the same connection tracker the shutdown drain uses, and ending
/// them: at once, or after the transfer in flight as a shutdown would (Admin:EndSessions).
/// </summary>
internal sealed partial class SessionControl(ConnectionTracker tracker, AdminOptions options, TimeProvider time, ILogger<SessionControl> logger)
{
    public IEnumerable<ConnectionContext> LoggedIn => tracker.Connections.Where(c => c.Activity.User is not null);

    public int ConnectionCount => tracker.Count;

    public static SessionResource Describe(ConnectionContext c)
    {
        var activity = c.Activity;
        var transfer = activity.CurrentTransfer;
        // The default host is null, as an account's virtualHost is.
        string? site = c.VirtualHost is { Name: var name } && name != VirtualHost.DefaultName ? name : null;
        return new SessionResource(c.Id, activity.User?.Name, c.ClientAddress.ToString(), activity.Protocol, site,
            c.ListenerName, activity.ConnectedAt, activity.LoggedInAt, activity.BytesReceived, activity.BytesSent,
            transfer is null ? null : new TransferResource(transfer.Operation, transfer.Path, transfer.Upload, transfer.StartedAt, transfer.Bytes()));
    }

    public ConnectionContext? Find(string id) => tracker.Connections.FirstOrDefault(c => c.Id == id);

    public IEnumerable<ConnectionContext> SessionsOf(string userName) =>
        LoggedIn.Where(c => string.Equals(c.Activity.User!.Name, userName, StringComparison.Ordinal));

    /// <summary>Ends the sessions; returns how many.</summary>
    public int End(IEnumerable<ConnectionContext> sessions, string reason)
    {
        int ended = 0;
        foreach (var session in sessions.ToList())
        {
            ended++;
            using (logger.BeginScope(session.LogScope))
            {
                LogEnding(reason, options.EndSessions);
            }

            if (options.EndSessions == "after-transfer")
            {
                session.RequestEnd();
                _ = AbortLaterAsync(session);
            }
            else
            {
                session.Abort();
            }
        }

        return ended;
    }

    /// <summary>
    /// Ends the sessions of a stored account that it no longer admits: deleted (<paramref name="account"/> null),
    /// disabled, expired, from a network no longer allowed, over a protocol no longer allowed, or with a removed key.
    /// </summary>
    public int EnforceAccount(string name, Account? account)
    {
        var policy = account is null ? null : LoginPolicy.For(account);
        var now = time.GetUtcNow();
        int ended = 0;
        foreach (var session in SessionsOf(name).Where(s => s.Activity.User!.FromAccountStore))
        {
            string? reason = account is null ? "account deleted"
                : policy!.RefusalFor(session.ClientAddress, now)
                  ?? (session.Activity.Protocol is { } protocol && !MultiXfer.Auth.Protocols.Allow(account.Protocols, protocol)
                      ? $"protocol {protocol} no longer allowed" : null)
                  ?? (session.Activity.KeyFingerprint is { } fingerprint && account.AuthorizedKeysFile is null
                      && !account.AuthorizedKeys.Any(line => AccountOperations.FingerprintOf(line) == fingerprint)
                      ? "login key removed" : null);
            if (reason is not null)
            {
                ended += End([session], reason);
            }
        }

        return ended;
    }

    private async Task AbortLaterAsync(ConnectionContext session)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.SessionEndGraceSeconds), time, session.ConnectionClosed);
        }
        catch (OperationCanceledException)
        {
            return; // Ended by itself.
        }

        session.Abort();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ending session: {Reason} ({Mode})")]
    private partial void LogEnding(string reason, string mode);
}
