"""Decoded key-file contents and public key material from ssh-keygen's output, for the key-files target's binary
entry points, and authorized_keys lines with options.

usage: key_seeds.py KEYGENDIR KEYFILESDIR AUTHKEYSDIR
"""
import base64
import os
import struct
import sys

import paramiko

kg, kf, ak = sys.argv[1], sys.argv[2], sys.argv[3]


def body(path):
    lines = open(path).read().splitlines()
    return base64.b64decode("".join(l for l in lines if l and not l.startswith("-----") and ":" not in l))


for name in ["ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa2048"]:
    open(os.path.join(kf, f"bin-openssh-{name}"), "wb").write(body(os.path.join(kg, name)))
    if name != "ed25519":
        open(os.path.join(kf, f"der-pem-{name}"), "wb").write(body(os.path.join(kg, name + ".pem")))
    open(os.path.join(kf, f"der-pkcs8-{name}"), "wb").write(body(os.path.join(kg, name + ".p8")))
    blob = base64.b64decode(open(os.path.join(kg, name + ".pub")).read().split()[1])
    open(os.path.join(kf, f"blob-{name}"), "wb").write(blob)
    key = None
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            key = cls.from_private_key_file(os.path.join(kg, name))
            break
        except Exception:
            pass
    if key is not None:
        algorithm = "rsa-sha2-256" if name.startswith("rsa") else None
        msg = key.sign_ssh_data(b"MultiXfer fuzz signed data", algorithm) if algorithm else key.sign_ssh_data(b"MultiXfer fuzz signed data")
        sig = msg.asbytes() if hasattr(msg, "asbytes") else bytes(msg)
        open(os.path.join(kf, f"blob-signature-{name}"), "wb").write(struct.pack(">I", len(blob)) + blob + sig)

pub = {n: open(os.path.join(kg, n + ".pub")).read().strip() for n in ["ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa2048", "rsa1024"]}
lines = {
    "options-from": f'from="10.0.0.0/8,!10.1.*,192.168.?.*,::1,2001:db8::/32" {pub["ed25519"]}',
    "options-expiry": f'expiry-time="20300101",no-pty,no-agent-forwarding {pub["ecdsa256"]}\nexpiry-time="199901010000" {pub["rsa2048"]}',
    "options-restrict": f'restrict,no-touch-required {pub["ecdsa384"]}',
    "options-refused": f'command="/bin/true",permitopen="a:1" {pub["ecdsa521"]}\nenvironment="A=B" {pub["ed25519"]}',
    "quoted-escapes": f'from="1.2.3.4,\\"x\\"" {pub["ed25519"]} comment with spaces',
    "file": "# comment\n\n" + "\r\n".join(pub.values()) + "\n",
    "mismatch-type": "ssh-rsa " + pub["ed25519"].split()[1],
    "sk-and-dss": "sk-ssh-ed25519@openssh.com AAAA\nssh-dss AAAAB3NzaC1kc3M=\n",
}
for name, text in lines.items():
    open(os.path.join(ak, name), "w").write(text + "\n")
