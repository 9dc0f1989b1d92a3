using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Data;

namespace MultiXfer.Ftp.Session;

/// <summary>Service commands that take long (HASH and the X* checksums of a large file) run like transfers without data.</summary>
internal sealed partial class FtpSession
{
    /// <summary>
    /// Runs <paramref name="work"/> in the background as the session's one running operation: ABOR stops it (426, then
    /// ABOR's 226, RFC 959 §4.1.3), STAT reports its progress, the session's end cancels it, and other commands (NOOP
    /// included) wait for its reply. The control connection stays responsive, and no thread waits on it.
    /// </summary>
    internal void StartBackgroundCommand(string verb, VirtualPath target, Func<Transfer, Task<FtpReply>> work)
    {
        var transfer = new Transfer(verb, target.Value, TimeSpan.FromSeconds(Server.Ftp.DataStallTimeoutSeconds), Connection.ConnectionClosed)
        {
            HasDataConnection = false,
        };
        BeginRunning(transfer);
        transfer.Completion = RunBackgroundCommandAsync(transfer, work);
    }

    /// <summary>Never faults: every outcome becomes the command's reply.</summary>
    private async Task RunBackgroundCommandAsync(Transfer transfer, Func<Transfer, Task<FtpReply>> work)
    {
        await Task.Yield();
        FtpReply reply;
        try
        {
            reply = await work(transfer);
        }
        catch (Exception) when (transfer.Aborted)
        {
            reply = new FtpReply(426, $"{transfer.Verb} aborted.");
        }
        catch (Exception) when (transfer.Stalled)
        {
            reply = new FtpReply(451, $"{transfer.Verb} aborted: the storage made no progress.");
        }
        catch (FsException e)
        {
            LogRefusedOperation(transfer.Verb, e.Kind.ToString(), e.Message);
            reply = FsErrorReplies.For(e.Kind);
        }
        catch (OperationCanceledException)
        {
            reply = Replies.TransferAborted;
        }
        catch (Exception e)
        {
            LogTransferFailed(transfer.Verb, e);
            reply = Replies.LocalError;
        }

        try
        {
            await ReplyToTransferAsync(transfer, reply);
        }
        finally
        {
            transfer.Dispose();
            EndTransfer();
        }
    }
}
