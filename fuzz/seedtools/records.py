"""Encoders for the input formats of the MultiXfer.Fuzz harnesses (see the target classes' comments)."""
import os
import struct

# SshRecord kinds (fuzz/MultiXfer.Fuzz/Support/SshRecords.cs)
RAW, SIGNED_PUBLICKEY, REKEY = 0, 1, 2


def u32(n):
    return struct.pack(">I", n)


def string(b):
    if isinstance(b, str):
        b = b.encode()
    return u32(len(b)) + b


def raw(payload):
    """Kind 0: one payload sent as one packet (16-bit length)."""
    payload = payload[:0xFFFF]
    return bytes([RAW]) + struct.pack(">H", len(payload)) + payload


def signed_publickey(key, algorithm, flags, user=b"fuzz"):
    """Kind 1: a publickey request the harness signs over the session id (key/algorithm are indexes)."""
    return bytes([SIGNED_PUBLICKEY, key, algorithm, flags]) + struct.pack(">H", len(user)) + user


def rekey(b0, b1):
    """Kind 2: a whole key exchange run by the harness (ClientAlgorithms.From(b0, b1))."""
    return bytes([REKEY, b0, b1])


# ClientAlgorithms.From: b0 = kex (bits 0-2) | host key (bits 3-4) | zlib (bit 5); b1 = cipher (bits 0-2) | MAC (bits 3-5)
KEX = ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"]
CIPHERS = ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr"]


def algorithms(kex=0, hostkey=0, zlib=False, cipher=0, mac=0):
    return bytes([kex | (hostkey << 3) | (0x20 if zlib else 0), cipher | (mac << 3)])


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


# SshPacketTarget: config byte = protection (bits 0-2) | zlib (bit 3) | read size (bits 4-5);
# records: 0 well-formed packet (16-bit length payload), 1 raw plaintext frame, 2 raw wire bytes, 3 new keys.
def packet(payload, kind=0, extra=b""):
    payload = payload[:0xFFFF]
    return bytes([kind]) + struct.pack(">H", len(payload)) + payload + extra


def new_keys(protection, reset=False):
    return bytes([3 | (4 if reset else 0), protection])
