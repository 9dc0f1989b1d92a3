"""Seeds no real client sends by itself but the harnesses need as starting points: harness-signed publickey records
for every key type and flag, rekeys, encrypted key exchange messages after NEWKEYS, and connection requests paramiko
has no call for (signal, break, xon-xoff, hostkeys-prove-00). Named synth-*.

usage: extra_ssh_seeds.py CORPUSDIR
"""
import base64
import os
import struct
import sys

import records as r
from records import string, u32

corpus = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
keys = os.path.join(here, "..", "MultiXfer.Fuzz", "Keys")


def out(target, name, data):
    r.write(os.path.join(corpus, target), "synth-" + name, data)


service = bytes([5]) + string("ssh-userauth")


def userauth(method, rest=b"", user="fuzz", service_name="ssh-connection"):
    return bytes([50]) + string(user) + string(service_name) + string(method) + rest


password = userauth("password", b"\x00" + string("fuzz-password"))

# --- ssh-userauth -----------------------------------------------------------------------------------------------
for key in range(5):
    for flags, label in [(0, "signed"), (2, "query"), (1, "hostbound"), (4, "badsig"), (8, "othersigalg"), (17, "hostbound-wrongkey")]:
        out("ssh-userauth", f"publickey-{key}-{label}", r.algorithms(cipher=key % 6) + r.raw(service) + r.signed_publickey(key, key, flags))
out("ssh-userauth", "rsa-sha2-256", r.algorithms() + r.raw(service) + r.signed_publickey(4, 1, 0))
out("ssh-userauth", "kbd-then-response", r.algorithms(cipher=3, mac=0) + r.raw(service)
    + r.raw(userauth("keyboard-interactive", string("") + string("")))
    + r.raw(bytes([61]) + u32(1) + string("fuzz-password")))
out("ssh-userauth", "kbd-interrupted", r.algorithms() + r.raw(service)
    + r.raw(userauth("keyboard-interactive", string("") + string(""))) + r.raw(password))
out("ssh-userauth", "password-change", r.algorithms() + r.raw(service)
    + r.raw(userauth("password", b"\x01" + string("old") + string("new"))) + r.raw(password))
out("ssh-userauth", "throttled", r.algorithms() + r.raw(service) + r.raw(userauth("password", b"\x00" + string("throttle-me"))))
out("ssh-userauth", "failures", r.algorithms() + r.raw(service)
    + b"".join(r.raw(userauth(m, b"\x00" + string("x"))) for m in ["none", "none", "hostbased", "password", "gssapi-with-mic", "password", "password"]))
out("ssh-userauth", "wrong-service", r.algorithms() + r.raw(bytes([5]) + string("ssh-connection")))
out("ssh-userauth", "wrong-service-in-request", r.algorithms() + r.raw(service) + r.raw(userauth("none", service_name="ssh-agent")))
out("ssh-userauth", "channel-before-auth", r.algorithms() + r.raw(service) + r.raw(bytes([90]) + string("session") + u32(0) + u32(65536) + u32(32768)))
out("ssh-userauth", "unimplemented-and-ignore", r.algorithms() + r.raw(bytes([2]) + string("x")) + r.raw(bytes([200, 1, 2]))
    + r.raw(bytes([192]) + string("ping")) + r.raw(service) + r.raw(bytes([4, 1]) + string("debug") + string("en")) + r.raw(password))
out("ssh-userauth", "rekey-between", r.algorithms() + r.raw(service) + r.rekey(0, 2) + r.raw(password))
out("ssh-userauth", "virtual-host-user", r.algorithms() + r.raw(service) + r.raw(userauth("password", b"\x00" + string("fuzz-password"), user="fuzz@files.example.org")))

# --- ssh-kex, mode 1: after a real exchange ---------------------------------------------------------------------
def kexinit(kex, hostkey="ssh-ed25519", cipher="aes128-ctr", mac="hmac-sha2-256", comp="none", follows=False):
    return (bytes([20]) + bytes(16) + string(kex) + string(hostkey) + string(cipher) + string(cipher) + string(mac) + string(mac)
            + string(comp) + string(comp) + string("") + string("") + bytes([1 if follows else 0]) + u32(0))


for b0, b1, label in [(0, 0, "curve-chacha"), (1, 1, "libssh-gcm256"), (2, 2, "p256-gcm128"), (3, 3 | (1 << 3), "p384-ctr-sha512etm"),
                      (4, 4 | (2 << 3), "p521-ctr192-sha256"), (0x28, 5 | (4 << 3), "ecdsa-hostkey-sha1etm"), (0x10, 5 | (5 << 3), "rsa-hostkey-sha1"),
                      (0x20, 0, "zlib")]:
    out("ssh-kex", f"handshake-rekey-{label}", bytes([1, b0, b1]) + r.rekey(b0, b1) + r.raw(bytes([2]) + string("after rekey")) + r.rekey(0, 1))
out("ssh-kex", "handshake-then-kexinit", bytes([1, 0, 2]) + r.raw(kexinit("curve25519-sha256")) + r.raw(bytes([30]) + string(bytes(32))))
out("ssh-kex", "handshake-then-gex", bytes([1, 0, 2]) + r.raw(kexinit("diffie-hellman-group-exchange-sha256"))
    + r.raw(bytes([34]) + u32(2048) + u32(3072) + u32(8192)) + r.raw(bytes([32]) + string(b"\x02")))
out("ssh-kex", "handshake-then-stray", bytes([1, 0, 2]) + r.raw(bytes([21])) + r.raw(bytes([31]) + string("x")) + r.raw(bytes([7]) + u32(1) + string("a") + string("b")))
out("ssh-kex", "handshake-compression-change", bytes([1, 0x20, 2]) + r.raw(kexinit("curve25519-sha256", cipher="aes128-gcm@openssh.com")))
# --- ssh-kex, mode 0: hand-made starts --------------------------------------------------------------------------
out("ssh-kex", "guess-follows", b"\x00" + r.raw(kexinit("ecdh-sha2-nistp256,curve25519-sha256", follows=True)) + r.raw(bytes([30]) + string(bytes(65))) + r.raw(bytes([30]) + string(b"\x09" + bytes(31))))
out("ssh-kex", "strict-ignore-first", b"\x00" + r.raw(bytes([2]) + string("")) + r.raw(kexinit("curve25519-sha256,kex-strict-c-v00@openssh.com")))
out("ssh-kex", "group14", b"\x00" + r.raw(kexinit("diffie-hellman-group14-sha256")) + r.raw(bytes([30]) + string(b"\x01" + bytes(255))))
out("ssh-kex", "gex-inconsistent", b"\x00" + r.raw(kexinit("diffie-hellman-group-exchange-sha256")) + r.raw(bytes([34]) + u32(8192) + u32(1024) + u32(2048)))
out("ssh-kex", "mlkem", b"\x00" + r.raw(kexinit("mlkem768x25519-sha256")) + r.raw(bytes([30]) + string(bytes(1216))))
out("ssh-kex", "no-common", b"\x00" + r.raw(kexinit("diffie-hellman-group1-sha1", hostkey="ssh-dss", cipher="3des-cbc", mac="hmac-md5", comp="zlib")))
out("ssh-kex", "low-order-x25519", b"\x00" + r.raw(kexinit("curve25519-sha256")) + r.raw(bytes([30]) + string(bytes(32))))

# --- ssh-connection ---------------------------------------------------------------------------------------------
def chan_open(kind="session", sender=0, window=2 * 1024 * 1024, maxpacket=32768, extra=b""):
    return bytes([90]) + string(kind) + u32(sender) + u32(window) + u32(maxpacket) + extra


def chan_req(name, rest=b"", reply=True, channel=0):
    return bytes([98]) + u32(channel) + string(name) + bytes([1 if reply else 0]) + rest


def data(payload, channel=0):
    return bytes([94]) + u32(channel) + string(payload)


def sftp(type_, body):
    return u32(1 + len(body)) + bytes([type_]) + body


import paramiko  # noqa: E402

# The harness's fixed ed25519 host key, so hostkeys-prove-00 names a key the server really has.
host_blob = paramiko.Ed25519Key.from_private_key_file(os.path.join(keys, "host_ed25519")).asbytes()

requests = [
    chan_open(),
    chan_req("pty-req", string("xterm") + u32(80) + u32(24) + u32(640) + u32(480) + string(b"\x81\x00\x00\x96\x00\x00")),
    chan_req("env", string("LANG") + string("C")),
    chan_req("x11-req", b"\x00" + string("MIT-MAGIC-COOKIE-1") + string("00" * 16) + u32(0)),
    chan_req("auth-agent-req@openssh.com"),
    chan_req("window-change", u32(100) + u32(50) + u32(0) + u32(0), reply=False),
    chan_req("xon-xoff", b"\x01", reply=False),
    chan_req("signal", string("TERM"), reply=False),
    chan_req("break", u32(500)),
    chan_req("exit-status", u32(0), reply=False),
    chan_req("shell"),
    bytes([93]) + u32(0) + u32(4096),
    bytes([96]) + u32(0),
    bytes([97]) + u32(0),
]
out("ssh-connection", "requests", r.algorithms(cipher=2) + b"".join(r.raw(p) for p in requests))
sftp_stream = (sftp(1, u32(6)) + sftp(16, u32(1) + string(".") + b"\x00") + sftp(17, u32(2) + string("/") + u32(0xFFFFFFFF))
               + sftp(200, u32(3) + string("limits@openssh.com")))
out("ssh-connection", "sftp-v6", r.algorithms(kex=1, cipher=1) + r.raw(chan_open()) + r.raw(chan_req("subsystem", string("sftp")))
    + r.raw(data(sftp_stream)) + r.raw(bytes([96]) + u32(0)) + r.raw(bytes([97]) + u32(0)))
out("ssh-connection", "scp-sink", r.algorithms(cipher=3, mac=0) + r.raw(chan_open()) + r.raw(chan_req("exec", string("scp -t /")))
    + r.raw(data(b"C0644 5 new.txt\nhello\x00")) + r.raw(bytes([96]) + u32(0)))
out("ssh-connection", "exec-refused", r.algorithms() + r.raw(chan_open()) + r.raw(chan_req("exec", string("rm -rf / ; echo"))))
out("ssh-connection", "echo-extended", r.algorithms() + r.raw(chan_open()) + r.raw(chan_req("subsystem", string("multixfer-echo")))
    + r.raw(data(b"x" * 300)) + r.raw(bytes([95]) + u32(0) + u32(1) + string("err")) + r.raw(bytes([93]) + u32(0) + u32(0xFFFFFFF0)))
out("ssh-connection", "global", r.algorithms() + r.raw(bytes([80]) + string("keepalive@openssh.com") + b"\x01")
    + r.raw(bytes([80]) + string("tcpip-forward") + b"\x01" + string("127.0.0.1") + u32(0))
    + r.raw(bytes([80]) + string("hostkeys-prove-00@openssh.com") + b"\x01" + string(host_blob))
    + r.raw(bytes([80]) + string("no-more-sessions@openssh.com") + b"\x00") + r.raw(chan_open()))
out("ssh-connection", "channels", r.algorithms(zlib=True, cipher=2) + b"".join(r.raw(chan_open(sender=i)) for i in range(6))
    + r.raw(chan_open("direct-tcpip", 9, extra=string("127.0.0.1") + u32(22) + string("127.0.0.1") + u32(5555)))
    + r.raw(chan_open("bogus", 10)) + r.raw(chan_open(maxpacket=10)) + r.raw(bytes([97]) + u32(3)) + r.raw(bytes([97]) + u32(7)))
out("ssh-connection", "rekey-mid-sftp", r.algorithms(zlib=True) + r.raw(chan_open()) + r.raw(chan_req("subsystem", string("sftp")))
    + r.rekey(0x22, 1) + r.raw(data(sftp(1, u32(3)))) + r.raw(bytes([50]) + string("again")))

# --- ssh-packet: every protection, zlib, new keys, malformed frames -------------------------------------------
payloads = [service, password, chan_open(), data(b"hello" * 20)]
for protection in range(8):
    body = b"".join(r.packet(p) for p in payloads)
    out("ssh-packet", f"protection-{protection}", bytes([protection]) + body)
    out("ssh-packet", f"protection-{protection}-zlib-chunked", bytes([protection | 8 | 0x20]) + body)
out("ssh-packet", "newkeys-chain", bytes([0]) + r.packet(bytes([21])) + r.new_keys(1, True) + r.packet(service) + r.new_keys(4)
    + r.packet(password) + r.new_keys(7, True) + r.packet(data(b"x")) + r.new_keys(2) + r.packet(service))
out("ssh-packet", "bad-padding", bytes([2]) + r.packet(service, kind=4, extra=bytes([3])) + r.packet(service))
out("ssh-packet", "extra-padding", bytes([5]) + r.packet(service, kind=8, extra=bytes([7])) + r.packet(password, kind=8, extra=bytes([3])))
out("ssh-packet", "raw-frames", bytes([1]) + bytes([1]) + struct.pack(">H", 12) + u32(8) + bytes([4]) + b"\x05abc" + bytes([0])
    + bytes([2]) + struct.pack(">H", 8) + u32(0x7fffffff) + u32(0))
out("ssh-packet", "zlib-uncompressed", bytes([0 | 8]) + r.packet(service) + r.packet(password, kind=16))
out("ssh-packet", "empty-payload", bytes([3]) + r.packet(b""))

# --- ssh-identification ---------------------------------------------------------------------------------------
out("ssh-identification", "ssh-1.99", b"SSH-1.99-Legacy_1.0\r\n")
out("ssh-identification", "banner-lines-first", b"hello\r\nSSH-2.0-x\r\n")
out("ssh-identification", "long", b"SSH-2.0-" + b"a" * 300 + b"\r\n")
out("ssh-identification", "bare-lf-and-kexinit", b"SSH-2.0-x\n" + struct.pack(">IB", 12, 4) + bytes([20]) + bytes(10))
out("ssh-identification", "control-chars", b"SSH-2.0-x\x01y\r\n")
