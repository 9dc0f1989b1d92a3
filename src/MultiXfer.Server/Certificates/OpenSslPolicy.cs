using System.Runtime.InteropServices;

namespace MultiXfer.Server.Certificates;

/// <summary>
/// Points OpenSSL at MultiXfer's TLS policy file (openssl-multixfer.cnf beside the binary) before any crypto runs.
/// .NET's own CipherSuitesPolicy would restrict suites too, but setting it turns off .NET's server-side
/// SSL_CTX cache, and with it TLS session resumption, which FTPS data connections rely on. OpenSSL reads
/// OPENSSL_CONF once, when it first initialises, so this must run first thing in Main; an OPENSSL_CONF the
/// operator set is left alone (their policy, then).
/// </summary>
internal static partial class OpenSslPolicy
{
    public const string FileName = "openssl-multixfer.cnf";
    private const string Variable = "OPENSSL_CONF";

    /// <summary>Returns the policy file in effect, or null when the operator's own OPENSSL_CONF is kept.</summary>
    public static string? Apply()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 })
        {
            return null;
        }

        string path = Path.Combine(AppContext.BaseDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        // Environment.SetEnvironmentVariable changes only .NET's copy of the environment on Unix; OpenSSL calls
        // getenv, so the process environment itself must change.
        SetEnv(Variable, path, 1);
        Environment.SetEnvironmentVariable(Variable, path);
        return path;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
