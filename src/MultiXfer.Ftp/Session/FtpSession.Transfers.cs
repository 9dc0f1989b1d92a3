using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MultiXfer.Connections;
using MultiXfer.Fsio;
using MultiXfer.Ftp.Control;
using MultiXfer.Ftp.Data;
using MultiXfer.Ftp.Data.ModeZ;
using MultiXfer.Observability;
using MultiXfer.Transport.Data;

namespace MultiXfer.Ftp.Session;

/// <summary>Data connections and the one transfer a session may have running.</summary>
internal sealed partial class FtpSession
{
    private DataEndpoint? _dataEndpoint;
    private Transfer? _transfer;

    /// <summary>True from a transfer's start until its final reply is sent; guarded by the read-timer lock.</summary>
    private bool _transferActive;

    internal bool IsTransferRunning
    {
        get
        {
            lock (_readTimerGate)
            {
                return _transferActive;
            }
        }
    }

    internal Transfer? CurrentTransfer => _transfer;

    /// <summary>A new PASV/PORT replaces the previous one: one data connection per set-up command.</summary>
    internal async ValueTask SetDataEndpointAsync(DataEndpoint endpoint)
    {
        await CloseDataEndpointAsync();
        _dataEndpoint = endpoint;
    }

    internal async ValueTask CloseDataEndpointAsync()
    {
        if (_dataEndpoint is { } endpoint)
        {
            _dataEndpoint = null;
            await endpoint.DisposeAsync();
        }
    }

    /// <summary>
    /// Whether a transfer may start: a PASV/PORT came first (else 425) and, where the listener requires it, data is
    /// protected (else 534). Uploads ask before they open their file, so a refused STOR or APPE changes nothing.
    /// </summary>
    internal async ValueTask<bool> CheckDataChannelAsync()
    {
        if (_dataEndpoint is null)
        {
            await ReplyAsync(Replies.UseDataCommandFirst);
            return false;
        }

        if (Policy.RequireTlsForData && !DataProtected)
        {
            await ReplyAsync(Replies.DataProtectionRequired);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Starts <paramref name="job"/> in the background: opens the data connection, replies 150, moves the data and
    /// replies with the outcome. Without a PASV/PORT first it replies 425 and disposes the job.
    /// </summary>
    internal async ValueTask StartTransferAsync(string verb, VirtualPath target, ITransferJob job)
    {
        if (!await CheckDataChannelAsync())
        {
            await job.DisposeAsync();
            return;
        }

        var endpoint = _dataEndpoint!;
        _dataEndpoint = null;
        var transfer = new Transfer(verb, target.Value, TimeSpan.FromSeconds(Server.Ftp.DataStallTimeoutSeconds), Connection.ConnectionClosed)
        {
            Limits = Connection.Limits,
        };
        BeginRunning(transfer);
        Connection.BeginTransfer(transfer.Activity = new TransferActivity(verb, target.Value, !job.SendsData, DateTimeOffset.UtcNow, () => transfer.Bytes,
            SeparateConnection: true) { Listing = job is ListingJob, Ascii = AsciiMode, Sha256 = () => IFileDigest.Of(job.File) });
        int? deflateLevel = DeflateMode ? DeflateLevel : null;
        transfer.Completion = RunTransferAsync(endpoint, job, transfer, deflateLevel);
    }

    /// <summary>
    /// <paramref name="transfer"/> is now the session's one running operation: commands queue behind it, and its
    /// background task sends the final reply of the command that started it.
    /// </summary>
    private void BeginRunning(Transfer transfer)
    {
        lock (_readTimerGate)
        {
            _transferActive = true;
        }

        _transfer = transfer;
        HandOverAnswer();
    }

    /// <summary>Never faults: every outcome becomes a reply, and the end of the transfer is always marked.</summary>
    /// <param name="deflateLevel">MODE Z's zlib level for what the server sends; null in MODE S.</param>
    private async Task RunTransferAsync(DataEndpoint endpoint, ITransferJob job, Transfer transfer, int? deflateLevel)
    {
        await Task.Yield();
        var result = TransferOutcome.Failed;
        try
        {
            DataConnection data;
            try
            {
                data = await endpoint.OpenAsync(TimeSpan.FromSeconds(Server.Ftp.DataConnectTimeoutSeconds), transfer.Token);
            }
            catch (Exception e) when (e is TimeoutException or SocketException or IOException or OperationCanceledException
                                          or ObjectDisposedException)
            {
                LogDataConnectionFailed(transfer.Verb, e.Message);
                await ReplyToTransferAsync(transfer, transfer.Aborted ? Replies.TransferAbortedByClient : Replies.DataConnectionFailed);
                return;
            }
            finally
            {
                // One connection per PASV/PORT: the passive port closes as soon as it has served.
                await endpoint.DisposeAsync();
            }

            await using (data)
            {
                // 150 first: clients start the data handshake only after it (ftplib's prot_p does).
                await ReplyToTransferAsync(transfer, new FtpReply(150, job.Opening));
                if (DataProtected)
                {
                    try
                    {
                        await ProtectDataAsync(data, transfer);
                    }
                    catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException
                                                  or OperationCanceledException)
                    {
                        LogHandshakeFailed("data connection", e.Message);
                        await ReplyToTransferAsync(transfer, transfer.Aborted ? Replies.TransferAbortedByClient : Replies.DataTlsFailed);
                        return;
                    }
                }

                if (deflateLevel is { } level)
                {
                    data.AddLayer(carrier => job.SendsData
                        ? new DeflatingStream(carrier, level)
                        : new InflatingStream(carrier, Server.Ftp.ModeZ));
                }

                var outcome = await MoveDataAsync(job, data, transfer);
                result = outcome.Code is >= 200 and < 300 ? TransferOutcome.Completed
                    : transfer.Aborted || outcome.Code == 426 ? TransferOutcome.Aborted : TransferOutcome.Failed;

                // The file is closed (an abandoned upload's temporary removed) before the client hears the outcome,
                // so what it sees on the server afterwards matches the reply.
                await FinishJobAsync(job, transfer);
                await ReplyToTransferAsync(transfer, outcome);
            }
        }
        catch (Exception e)
        {
            LogTransferFailed(transfer.Verb, e);
            await ReplyToTransferAsync(transfer, Replies.LocalError);
        }
        finally
        {
            await FinishJobAsync(job, transfer);
            LogTransfer(transfer.Verb, transfer.Target, transfer.Bytes, Stopwatch.GetElapsedTime(transfer.StartedAt).TotalSeconds,
                transfer.Aborted ? "aborted" : transfer.Stalled ? "stalled" : "done");
            Connection.EndTransfer(transfer.Activity!, transfer.Aborted ? TransferOutcome.Aborted : result);
            transfer.Dispose();
            EndTransfer();
        }
    }

    /// <summary>A reply of the running transfer, from its background task: counted for the transfer's verb.</summary>
    private ValueTask ReplyToTransferAsync(Transfer transfer, FtpReply reply)
    {
        if (reply.Code >= 200)
        {
            Server.Metrics?.Answered(transfer.Verb, reply.Code);
        }

        return WriteControlAsync(reply.Format());
    }

    /// <summary>Disposes the job once (every job's DisposeAsync is idempotent); a failure there is logged, not thrown.</summary>
    private async ValueTask FinishJobAsync(ITransferJob job, Transfer transfer)
    {
        try
        {
            await job.DisposeAsync();
        }
        catch (Exception e)
        {
            LogTransferFailed(transfer.Verb, e);
        }
    }

    private async Task<FtpReply> MoveDataAsync(ITransferJob job, DataConnection data, Transfer transfer)
    {
        try
        {
            var reply = await job.RunAsync(data, transfer);
            await data.CompleteAsync(job.SendsData, transfer.Token);
            return reply;
        }
        catch (Exception) when (transfer.Aborted)
        {
            return Replies.TransferAbortedByClient;
        }
        catch (Exception) when (transfer.Stalled)
        {
            return new FtpReply(426, "Data connection stalled; transfer aborted.");
        }
        catch (FsException e)
        {
            LogRefusedOperation(transfer.Verb, e.Kind.ToString(), e.Message);
            return job.SendsData ? FsErrorReplies.For(e.Kind) : FsErrorReplies.ForAbortedUpload(e.Kind);
        }
        catch (ModeZException e)
        {
            LogRefusedOperation(transfer.Verb, "ModeZ", e.Message);
            return e.Reply;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogDataConnectionLost(transfer.Verb, e.GetType().Name, e.InnerException?.Message ?? e.Message);
            return Replies.TransferAborted;
        }
        catch (Exception e)
        {
            // A defect here must cost this transfer, not the session: log it and answer 451.
            LogTransferFailed(transfer.Verb, e);
            return Replies.LocalError;
        }
    }

    /// <summary>Waits for a running transfer to finish on its own (commands after it are taken in order).</summary>
    internal async ValueTask WaitForTransferAsync()
    {
        if (_transfer is { } transfer)
        {
            await transfer.Completion;
        }
    }

    /// <summary>
    /// ABOR (RFC 959 section 4.1.3): a running transfer is stopped and answered 426, then the ABOR itself 226;
    /// with nothing running, 225. Also drops a pending PASV/PORT.
    /// </summary>
    internal async ValueTask AbortTransferAsync(bool reply)
    {
        await CloseDataEndpointAsync();
        if (_transfer is { } transfer && IsTransferRunning)
        {
            transfer.Abort();
            await transfer.Completion;
            if (reply)
            {
                await ReplyAsync(226, "ABOR successful.");
            }
        }
        else if (reply)
        {
            await ReplyAsync(225, "No transfer to abort.");
        }

        _transfer = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Verb} {Path}: {Bytes} bytes in {Seconds:F3} s ({Outcome})")]
    private partial void LogTransfer(string verb, string path, long bytes, double seconds, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Verb}: data connection lost: {Kind}: {Detail}")]
    private partial void LogDataConnectionLost(string verb, string kind, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Verb} failed unexpectedly")]
    private partial void LogTransferFailed(string verb, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Verb}: data connection failed: {Detail}")]
    private partial void LogDataConnectionFailed(string verb, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Verb} to {Target} refused: not the client's own address, or a port below 1024")]
    internal partial void LogRefusedDataTarget(string verb, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused a data connection from {Peer}: not the control connection's client")]
    internal partial void LogForeignDataPeer(string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no passive port available: {Error}")]
    internal partial void LogPassiveExhausted(string error);
}
