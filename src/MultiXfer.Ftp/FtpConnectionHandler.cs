using MultiXfer.Connections;
using MultiXfer.Ftp.Commands;
using MultiXfer.Ftp.Session;

namespace MultiXfer.Ftp;

/// <summary>FTP (and FTPS) as a connection handler for one listener: one <see cref="FtpSession"/> per connection.</summary>
public sealed class FtpConnectionHandler(FtpServerContext server, FtpListenerPolicy policy) : IConnectionHandler
{
    public string Protocol => policy.Protocol;

    public Task RunAsync(ConnectionContext connection) => new FtpSession(server, policy, connection).RunAsync();

    public async Task RejectAsync(ConnectionContext connection, RejectReason reason)
    {
        // On an implicit FTPS port nothing may be said in plaintext: the refusal is the closed connection.
        if (policy.ImplicitTls)
        {
            return;
        }

        byte[] reply = System.Text.Encoding.ASCII.GetBytes(LoginCommands.Refusal(reason).Format());
        await connection.Transport.WriteAsync(reply, connection.ConnectionClosed);
    }
}
