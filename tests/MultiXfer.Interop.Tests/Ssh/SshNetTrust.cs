using MultiXfer.TestKit;
using Renci.SshNet;

namespace MultiXfer.Interop.Tests.Ssh;

/// <summary>SSH.NET clients trust a host key only when it is one of the test servers' own public key files.</summary>
internal static class SshNetTrust
{
    private static readonly Lazy<HashSet<string>> ServerKeys =
        new(() => SshTestKeys.HostKeys.Select(k => SshTestKeys.HostPublicKey(k.File).Split(' ')[1]).ToHashSet());

    public static T TrustingTheTestServer<T>(this T client)
        where T : BaseClient
    {
        client.HostKeyReceived += (_, e) => e.CanTrust = ServerKeys.Value.Contains(Convert.ToBase64String(e.HostKey));
        return client;
    }
}
