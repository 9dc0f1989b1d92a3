"""Real SSH client traffic for the SSH seeds: paramiko against a running MultiXfer server, every payload paramiko
sends recorded before it is framed and encrypted (Packetizer.send_message), then written in the harnesses' formats.

usage: paramiko_capture.py HOST PORT KEYDIR CORPUSDIR
"""
import io
import os
import socket
import struct
import sys
import time

import paramiko
from paramiko.packet import Packetizer

import records as r

host, port, keydir, corpus = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
USER, PASSWORD = "fuzz", "fuzz-password"

sent = []  # payloads of the current connection, in order
_send = Packetizer.send_message


def recording(self, data):
    sent.append(bytes(data.asbytes()))
    return _send(self, data)


Packetizer.send_message = recording


def key(name):
    path = os.path.join(keydir, name)
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key_file(path)
        except Exception:
            pass
    raise SystemExit(f"cannot load {path}")


def connect(kex=None, cipher=None, mac=None, compress=False):
    sent.clear()
    sock = socket.create_connection((host, port))
    t = paramiko.Transport(sock)
    if kex:
        t.get_security_options().kex = [kex]
    if cipher:
        t.get_security_options().ciphers = [cipher]
    if mac:
        t.get_security_options().digests = [mac]
    t.use_compression(compress)
    t.start_client(timeout=20)
    return t


def phases():
    """Splits what was sent into before NEWKEYS (inclusive), authentication, and after authentication."""
    newkeys = next(i for i, p in enumerate(sent) if p[0] == 21)
    return sent[: newkeys + 1], sent[newkeys + 1 :]


def split_auth(after):
    """Authentication messages up to the last USERAUTH request or INFO_RESPONSE; the rest is the connection."""
    last = max((i for i, p in enumerate(after) if p[0] in (5, 50, 61)), default=-1)
    return after[: last + 1], after[last + 1 :]


count = {"kex": 0, "userauth": 0, "connection": 0, "packet": 0}


def out(target, name, data):
    r.write(os.path.join(corpus, target), name, data)


# --- key exchange: every kex paramiko offers, the unencrypted start as sent -------------------------------------
for i, kex in enumerate(["curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
                         "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group14-sha256"]):
    try:
        t = connect(kex=kex)
    except Exception as e:
        print(f"kex {kex}: {e}", file=sys.stderr)
        continue
    before, _ = phases()
    t.close()
    # mode 0: every record a payload in the clear, from the first packet on
    out("ssh-kex", f"paramiko-{kex}", b"\x00" + b"".join(r.raw(p) for p in before))
    # ssh-packet: the same payloads as well-formed packets under the none protection
    out("ssh-packet", f"paramiko-kex-{kex}", b"\x00" + b"".join(r.packet(p) for p in before))

# --- authentication: every method, recorded after NEWKEYS ------------------------------------------------------
auth_runs = []


def auth_none_password():
    t = connect()
    try:
        t.auth_none(USER)
    except paramiko.BadAuthenticationType:
        pass
    try:
        t.auth_password(USER, "wrong password")
    except paramiko.AuthenticationException:
        pass
    t.auth_password(USER, PASSWORD)
    return t


def auth_keyboard():
    t = connect()
    t.auth_interactive(USER, lambda title, instructions, prompts: [PASSWORD for _ in prompts])
    return t


def auth_key(name):
    def run():
        t = connect()
        t.auth_publickey(USER, key(name))
        return t
    return run


for label, run in [("none-password", auth_none_password), ("keyboard-interactive", auth_keyboard),
                   ("ed25519", auth_key("client_ed25519")), ("ecdsa256", auth_key("client_ecdsa256")),
                   ("ecdsa384", auth_key("client_ecdsa384")), ("ecdsa521", auth_key("client_ecdsa521")), ("rsa", auth_key("client_rsa"))]:
    try:
        t = run()
    except Exception as e:
        print(f"auth {label}: {e}", file=sys.stderr)
        continue
    _, after = phases()
    auth, _ = split_auth(after)
    t.close()
    # the signatures cover paramiko's session id, not the harness's: those requests exercise the refusal path
    out("ssh-userauth", f"paramiko-{label}", r.algorithms(cipher=2) + b"".join(r.raw(p) for p in auth))
    out("ssh-packet", f"paramiko-auth-{label}", bytes([2]) + b"".join(r.packet(p) for p in auth))

# --- the connection protocol: sessions, requests, subsystems, forwarding attempts --------------------------------
def attempt(*steps):
    """Runs each step; a refusal (the server offers no pty, shell or forwarding) is what is being recorded."""
    for step in steps:
        try:
            step()
        except Exception:
            pass


def session_work(t):
    c = t.open_session()
    attempt(lambda: c.get_pty("xterm", 80, 24), lambda: c.set_environment_variable("LANG", "C.UTF-8"),
            lambda: c.resize_pty(100, 40), lambda: c.exec_command("ls -la /"), lambda: c.recv_exit_status(), c.close)
    c = t.open_session()
    attempt(c.invoke_shell, lambda: time.sleep(0.2), c.close)
    c = t.open_session()
    attempt(lambda: c.request_x11(single_connection=True), lambda: c.request_forward_agent(lambda ch: None), c.close)
    attempt(lambda: t.open_channel("direct-tcpip", ("127.0.0.1", 22), ("127.0.0.1", 40000)),
            lambda: t.request_port_forward("127.0.0.1", 0), lambda: t.global_request("keepalive@openssh.com", wait=True),
            lambda: t.send_ignore(16))


def sftp_work(t):
    s = t.open_sftp_client()
    s.listdir("/")
    s.mkdir("/d")
    with s.open("/d/f.txt", "w") as f:
        f.write(b"hello sftp\n" * 10)
    s.stat("/d/f.txt")
    s.chmod("/d/f.txt", 0o600)
    s.utime("/d/f.txt", (1000000000, 1000000000))
    s.rename("/d/f.txt", "/d/g.txt")
    s.symlink("/d/g.txt", "/d/link")
    s.readlink("/d/link")
    s.normalize(".")
    with s.open("/d/g.txt", "r") as f:
        f.read()
    s.remove("/d/g.txt")
    s.remove("/d/link")
    s.rmdir("/d")
    s.close()


def scp_work(t):
    c = t.open_session()
    body = b"scp file content\n"
    attempt(lambda: c.exec_command("scp -t /"), lambda: c.recv(1), lambda: c.sendall(b"C0644 %d up.txt\n" % len(body)),
            lambda: c.recv(1), lambda: c.sendall(body + b"\x00"), lambda: c.recv(1), c.shutdown_write, c.recv_exit_status, c.close)
    c = t.open_session()
    attempt(lambda: c.exec_command("scp -f /file.txt"), lambda: c.sendall(b"\x00"), lambda: time.sleep(0.2),
            lambda: c.sendall(b"\x00\x00"), c.close)


def echo_work(t):
    c = t.open_session()
    c.invoke_subsystem("multixfer-echo")
    c.sendall(b"echo me")
    c.recv(64)
    c.shutdown_write()
    c.close()


for label, work, compress, cipher, mac, b in [
        ("session", session_work, False, None, None, r.algorithms(cipher=2)),
        ("sftp", sftp_work, True, "aes256-ctr", "hmac-sha2-256", r.algorithms(zlib=True, cipher=3, mac=2)),
        ("scp", scp_work, False, "aes128-ctr", "hmac-sha2-512-etm@openssh.com", r.algorithms(cipher=5, mac=1)),
        ("echo", echo_work, False, None, None, r.algorithms(kex=2, cipher=1))]:
    try:
        t = connect(cipher=cipher, mac=mac, compress=compress)
        t.auth_password(USER, PASSWORD)
        work(t)
        time.sleep(0.3)
        t.close()
    except Exception as e:
        print(f"connection {label}: {e}", file=sys.stderr)
        continue
    _, after = phases()
    _, connection = split_auth(after)
    connection = [p for p in connection if p[0] != 1]  # not paramiko's closing DISCONNECT
    out("ssh-connection", f"paramiko-{label}", b + b"".join(r.raw(p) for p in connection))
    out("ssh-packet", f"paramiko-connection-{label}", bytes([4 | 8]) + b"".join(r.packet(p) for p in connection[:40]))
