"""SFTP requests real clients rarely send, one seed per version 3-6: every request type, every attribute flag of the
version, and every extension the server implements (draft-ietf-secsh-filexfer-02/-04/-05/-13). Named synth-v*-*.

usage: extra_sftp_seeds.py DIR
"""
import os
import struct
import sys

d = sys.argv[1]
u32 = lambda n: struct.pack(">I", n)
u64 = lambda n: struct.pack(">Q", n)


def s(b):
    b = b.encode() if isinstance(b, str) else b
    return u32(len(b)) + b


def pkt(t, body):
    return u32(1 + len(body)) + bytes([t]) + body


ids = iter(range(1, 10000))


def req(t, body):
    return pkt(t, u32(next(ids)) + body)


def attrs(version):
    if version == 3:
        return u32(0x8000000F) + u64(10) + u32(0) + u32(0) + u32(0o100644) + u32(1) + u32(2) + u32(1) + s("x") + s("y")
    flags = 0x1 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100 | 0x200 | 0x80000000
    if version >= 5:
        flags |= 0x400
    if version >= 6:
        flags |= 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000
    b = u32(flags) + bytes([1]) + u64(10)  # type regular, size
    if version >= 6:
        b += u64(4096)  # allocation size
    b += s("root") + s("root") + u32(0o644)
    for _ in range(3 if version < 6 else 4):  # atime, createtime, mtime (+ ctime in v6)
        b += u64(1000000000) + u32(500)
    b += s(u32(1) + u32(0) + u32(0) + u32(0x1F) + s("OWNER@"))  # acl
    if version >= 5:
        b += u32(0x100) + u32(0x100)  # bits, valid mask (v6) / bits (v5)
    if version >= 6:
        b += bytes([1]) + s("text/plain") + u32(1) + b""
    b += u32(1) + s("x@example.org") + s("data")
    return b


exts = [("posix-rename@openssh.com", s("/a") + s("/b")), ("statvfs@openssh.com", s("/")), ("hardlink@openssh.com", s("/file.txt") + s("/h")),
        ("lsetstat@openssh.com", s("/link") + u32(4) + u32(0o600)), ("limits@openssh.com", b""), ("expand-path@openssh.com", s("~/dir")),
        ("home-directory", s("fuzz")), ("users-groups-by-id@openssh.com", s(u32(0) + u32(1)) + s(u32(0))),
        ("vendor-id", s("v") + s("p") + s("1") + u64(1)), ("check-file-name", s("/file.txt") + s("md5,sha256") + u64(0) + u64(0) + u32(0)),
        ("copy-file", s("/file.txt") + s("/copy") + b"\x01"), ("space-available", s("/")), ("newline", s("\n")), ("unknown@x", b"")]

for v in (3, 4, 5, 6):
    b = pkt(1, u32(v))
    if v == 3:
        b += req(3, s("/new") + u32(0x1A) + u32(4) + u32(0o600))
    elif v == 4:
        b += req(3, s("/new") + u32(0x1A) + attrs(v))
    else:
        b += req(3, s("/new") + u32(0x3) + u32(0x3 | 0x8 | 0x100) + attrs(v))
    h = s(bytes(16))
    b += req(6, h + u64(0) + s(b"abc")) + req(5, h + u64(0) + u32(100)) + req(8, h + (u32(0xFFFFFFFF) if v > 3 else b""))
    b += req(10, h + attrs(v)) + req(4, h)
    b += req(7, s("/link") + (u32(0x7FF) if v > 3 else b"")) + req(17, s("/dir") + (u32(0xFFFFFFFF) if v > 3 else b""))
    b += req(9, s("/file.txt") + attrs(v)) + req(11, s("/dir")) + req(12, h) + req(13, s("/nothing")) + req(14, s("/nd") + attrs(v))
    b += req(15, s("/nd")) + req(16, s("/dir/../file.txt") + (bytes([2]) + s("sub") if v >= 6 else b""))
    b += req(18, s("/file.txt") + s("/moved") + (u32(0x7) if v >= 5 else b""))
    b += req(19, s("/link")) + req(20, s("/sl") + s("/file.txt")) + (req(21, s("/hl") + s("/file.txt") + b"\x01") if v >= 6 else b"")
    if v >= 6:
        b += req(22, h + u64(0) + u64(10) + u32(0x40)) + req(23, h + u64(0) + u64(10))
    for name, body in exts:
        b += req(200, s(name) + body)
    if v == 3:
        b += req(200, s("version-select") + s("6"))
    b += req(200, s("copy-data") + h + u64(0) + u64(0) + h + u64(0)) + req(200, s("fsync@openssh.com") + h)
    open(os.path.join(d, f"synth-v{v}-all"), "wb").write(b)

# version-select as the first request, and framing errors
open(os.path.join(d, "synth-version-select"), "wb").write(pkt(1, u32(3)) + req(200, s("version-select") + s("5")) + req(16, s(".") + b""))
open(os.path.join(d, "synth-short-packet"), "wb").write(pkt(1, u32(6)) + u32(2) + b"\x11\x00")
open(os.path.join(d, "synth-bad-message"), "wb").write(pkt(1, u32(6)) + req(17, u32(0xFFFFFFF0)) + req(3, s("/x") + u32(1)))
