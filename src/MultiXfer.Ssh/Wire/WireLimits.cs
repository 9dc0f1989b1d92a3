namespace MultiXfer.Ssh.Wire;

/// <summary>Limits on what a peer may send; anything beyond them ends the connection before memory is committed.</summary>
internal static class WireLimits
{
    /// <summary>The largest packet_length accepted, as OpenSSH's PACKET_MAX_SIZE (RFC 4253 §6.1 requires at least 35000).</summary>
    public const int MaxPacketLength = 256 * 1024;

    /// <summary>One name-list in KEXINIT: OpenSSH's full default offer is about 1.5 KiB.</summary>
    public const int MaxNameListBytes = 16 * 1024;

    /// <summary>Names in one name-list.</summary>
    public const int MaxNames = 128;

    /// <summary>User names, service names, method names, channel types, request names.</summary>
    public const int MaxShortString = 256;

    /// <summary>
    /// Passwords are read up to this size; the shared auth layer then refuses anything over 1024 bytes as an
    /// ordinary failed login, so only absurd lengths are protocol errors.
    /// </summary>
    public const int MaxPasswordField = 64 * 1024;

    /// <summary>Public key blobs and signatures: an RSA-16384 key is about 2 KiB.</summary>
    public const int MaxKeyBlob = 16 * 1024;
}
