using MultiXfer.Ftp.Control;
using MultiXfer.Transport.Data;

namespace MultiXfer.Ftp.Data;

/// <summary>
/// The work of one transfer command once its data connection is open; disposed whatever happens, possibly twice
/// (implementations make DisposeAsync idempotent).
/// </summary>
internal interface ITransferJob : IAsyncDisposable
{
    /// <summary>Text of the 150 reply sent when the data connection is open.</summary>
    string Opening { get; }

    /// <summary>The server sends on this connection (downloads, listings) rather than receives (uploads).</summary>
    bool SendsData { get; }

    /// <summary>The file it reads or writes; null for listings.</summary>
    MultiXfer.Fsio.IFileHandle? File { get; }

    /// <summary>Moves the data and returns the final reply (226 on success).</summary>
    Task<FtpReply> RunAsync(DataConnection data, Transfer transfer);
}
