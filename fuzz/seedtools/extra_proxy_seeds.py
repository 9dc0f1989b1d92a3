"""PROXY headers HAProxy sends in other situations (proxy-protocol.txt §2.1, §2.2): TCP6, UNKNOWN, LOCAL, AF_UNIX,
TLVs with CRC32c. Named synth-*.

usage: extra_proxy_seeds.py DIR
"""
import os
import struct
import sys
import zlib

d = sys.argv[1]
sig = b"\r\n\r\n\x00\r\nQUIT\n"


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def v2(cmd, fam, addr, tlvs=b"", crc=False):
    body = addr + tlvs
    if crc:
        body += b"\x03\x00\x04" + b"\x00" * 4
        head = sig + bytes([0x20 | cmd, fam]) + struct.pack(">H", len(body))
        c = crc32c(head + body)
        body = body[:-4] + struct.pack(">I", c)
    return sig + bytes([0x20 | cmd, fam]) + struct.pack(">H", len(body)) + body


seeds = {
    "v1-tcp6": b"PROXY TCP6 2001:db8::1 ::1 56324 2222\r\nSSH-2.0-x\r\n",
    "v1-unknown": b"PROXY UNKNOWN\r\n",
    "v1-unknown-addresses": b"PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n",
    "v2-local": v2(0, 0, b""),
    "v2-tcp4-crc": v2(1, 0x11, bytes([10, 0, 0, 1, 127, 0, 0, 1]) + struct.pack(">HH", 5000, 21), b"\x02\x00\x05host1", crc=True),
    "v2-tcp6": v2(1, 0x21, bytes(15) + b"\x01" + bytes(15) + b"\x01" + struct.pack(">HH", 1, 2)),
    "v2-unix": v2(1, 0x31, b"/tmp/a".ljust(108, b"\x00") + b"/tmp/b".ljust(108, b"\x00")),
    "v2-ssl-tlv": v2(1, 0x11, bytes([1, 2, 3, 4, 5, 6, 7, 8]) + struct.pack(">HH", 1, 2), b"\x20\x00\x0c\x07\x00\x00\x00\x00\x21\x00\x07TLSv1.3"),
}
for name, data in seeds.items():
    open(os.path.join(d, "synth-" + name), "wb").write(data)
