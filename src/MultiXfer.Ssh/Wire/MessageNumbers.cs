namespace MultiXfer.Ssh.Wire;

/// <summary>Message numbers (RFC 4250 §4.1, RFC 4419, RFC 5656, OpenSSH PROTOCOL). Kex-method numbers 30-49 are reused per method.</summary>
internal static class MessageNumbers
{
    public const byte Disconnect = 1;
    public const byte Ignore = 2;
    public const byte Unimplemented = 3;
    public const byte Debug = 4;
    public const byte ServiceRequest = 5;
    public const byte ServiceAccept = 6;
    public const byte ExtInfo = 7;

    public const byte KexInit = 20;
    public const byte NewKeys = 21;

    /// <summary>ECDH, Curve25519, ML-KEM hybrid and fixed-group DH share 30/31 (RFC 5656 §7.1, RFC 4253 §8).</summary>
    public const byte KexEcdhInit = 30;
    public const byte KexEcdhReply = 31;

    /// <summary>Group exchange (RFC 4419 §5); the obsolete SSH_MSG_KEX_DH_GEX_REQUEST_OLD (30) is not accepted.</summary>
    public const byte KexDhGexGroup = 31;
    public const byte KexDhGexInit = 32;
    public const byte KexDhGexReply = 33;
    public const byte KexDhGexRequest = 34;

    public const byte UserAuthRequest = 50;
    public const byte UserAuthFailure = 51;
    public const byte UserAuthSuccess = 52;
    public const byte UserAuthBanner = 53;

    /// <summary>60 is SSH_MSG_USERAUTH_PK_OK for publickey and SSH_MSG_USERAUTH_INFO_REQUEST for keyboard-interactive.</summary>
    public const byte UserAuthPkOk = 60;
    public const byte UserAuthInfoRequest = 60;
    public const byte UserAuthInfoResponse = 61;

    public const byte GlobalRequest = 80;
    public const byte RequestSuccess = 81;
    public const byte RequestFailure = 82;
    public const byte ChannelOpen = 90;
    public const byte ChannelOpenConfirmation = 91;
    public const byte ChannelOpenFailure = 92;
    public const byte ChannelWindowAdjust = 93;
    public const byte ChannelData = 94;
    public const byte ChannelExtendedData = 95;
    public const byte ChannelEof = 96;
    public const byte ChannelClose = 97;
    public const byte ChannelRequest = 98;
    public const byte ChannelSuccess = 99;
    public const byte ChannelFailure = 100;

    /// <summary>OpenSSH PROTOCOL §1.9 (ping@openssh.com).</summary>
    public const byte Ping = 192;
    public const byte Pong = 193;

    /// <summary>Transport-layer generic messages (RFC 4253 §11) that may arrive at any time outside strict key exchange.</summary>
    public static bool IsTransportGeneric(byte number) => number is Disconnect or Ignore or Unimplemented or Debug;

    /// <summary>Messages of the key exchange itself: KEXINIT, NEWKEYS and the method-specific 30-49.</summary>
    public static bool IsKeyExchange(byte number) => number is KexInit or NewKeys or (>= 30 and <= 49);
}
