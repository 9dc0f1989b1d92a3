using MultiXfer.Connections;
using MultiXfer.Ftp.Commands;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp;

/// <summary>The FTP protocol as a connection handler: one <see cref="FtpSession"/> per connection.</summary>
public sealed class FtpConnectionHandler(FtpServerContext server) : IConnectionHandler
{
    public string Protocol => "ftp";

    public Task RunAsync(ConnectionContext connection) => new FtpSession(server, connection).RunAsync();

    public async Task RejectAsync(ConnectionContext connection, RejectReason reason)
    {
        byte[] reply = System.Text.Encoding.ASCII.GetBytes(LoginCommands.Refusal(reason).Format());
        await connection.Transport.WriteAsync(reply, connection.ConnectionClosed);
    }
}
