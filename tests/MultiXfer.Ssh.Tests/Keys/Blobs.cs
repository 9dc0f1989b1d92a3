using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Ssh.Tests.Keys;

/// <summary>Hand-built wire data for hostile-input tests.</summary>
internal static class Blobs
{
    public static byte[] Build(Action<SshWriter> write)
    {
        using var writer = new SshWriter();
        write(writer);
        return writer.ToArray();
    }

    public static byte[] Rsa(byte[] exponent, byte[] modulus) => Build(w =>
    {
        w.WriteString("ssh-rsa");
        w.WriteMpint(exponent);
        w.WriteMpint(modulus);
    });

    public static byte[] Ecdsa(string type, string identifier, byte[] q) => Build(w =>
    {
        w.WriteString(type);
        w.WriteString(identifier);
        w.WriteString(q);
    });

    public static byte[] Signature(string algorithm, byte[] signature) => Build(w =>
    {
        w.WriteString(algorithm);
        w.WriteString(signature);
    });

    /// <summary>An ECDSA signature blob with the given r and s magnitudes (an empty magnitude is the mpint 0).</summary>
    public static byte[] EcdsaSignature(string algorithm, byte[] r, byte[] s) =>
        Signature(algorithm, Build(w =>
        {
            w.WriteMpint(r);
            w.WriteMpint(s);
        }));

    /// <summary>The inner string of a signature blob.</summary>
    public static byte[] Inner(byte[] signatureBlob)
    {
        var reader = new SshReader(signatureBlob);
        reader.ReadString();
        return reader.ReadString().ToArray();
    }
}
