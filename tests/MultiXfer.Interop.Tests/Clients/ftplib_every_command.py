#!/usr/bin/python3
"""Drives every FTP command MultiXfer implements through Python's ftplib and checks replies and effects.

usage: ftplib_every_command.py PORT USER PASSWORD HOME_ON_DISK
Prints "VERBS <space separated verbs sent>" and exits 0 when every check passed.
"""
import ftplib
import io
import os
import socket
import sys
import time

port, user, password, home = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sent = set()


class Recording(ftplib.FTP):
    def putcmd(self, line):
        sent.add(line.split(" ", 1)[0].upper())
        super().putcmd(line)


def expect(reply, code):
    assert reply.startswith(str(code)), f"expected {code}, got {reply!r}"
    return reply


def expect_error(code, call, *args):
    try:
        call(*args)
    except ftplib.all_errors as e:
        assert str(e).startswith(str(code)), f"expected {code}, got {e!r}"
        return
    raise AssertionError(f"expected error {code} from {call.__name__}{args}")


ftp = Recording()
ftp.connect("127.0.0.1", port, timeout=20)
assert ftp.getwelcome().startswith("220")
feat = expect(ftp.sendcmd("FEAT"), 211)
for feature in ("EPSV", "EPRT", "MDTM", "MFMT", "MLST type*", "REST STREAM", "SIZE", "UTF8", "CLNT"):
    assert feature in feat, feature
expect(ftp.sendcmd("OPTS UTF8 ON"), 200)
expect(ftp.sendcmd("SYST"), 215)
expect(ftp.login(user, password), 230)
expect(ftp.sendcmd("ACCT nothing"), 202)
expect(ftp.sendcmd("CLNT ftplib-interop"), 200)
expect(ftp.sendcmd("NOOP"), 200)
expect(ftp.sendcmd("HELP"), 214)
expect(ftp.sendcmd("HELP RETR"), 214)
expect(ftp.sendcmd("STAT"), 211)

# Directories, with the X-variants of RFC 775.
assert ftp.pwd() == "/"
expect(ftp.sendcmd("MKD work"), 257)
expect(ftp.sendcmd("XMKD xdir"), 257)
expect(ftp.sendcmd("CWD work"), 250)
assert ftp.sendcmd("XPWD").startswith('257 "/work"')
expect(ftp.sendcmd("XCUP"), 250)
expect(ftp.sendcmd("XCWD work"), 250)
expect(ftp.sendcmd("CDUP"), 250)
expect(ftp.sendcmd("XRMD xdir"), 250)
expect(ftp.sendcmd("SMNT /"), 202)
expect(ftp.sendcmd("CWD work"), 250)

# Transfer parameters.
expect(ftp.sendcmd("TYPE I"), 200)
expect(ftp.sendcmd("STRU F"), 200)
expect(ftp.sendcmd("MODE S"), 200)
expect_error(504, ftp.sendcmd, "MODE C")

# STOR / RETR binary, passive (PASV and EPSV).
payload = os.urandom(300_000)
ftp.storbinary("STOR data.bin", io.BytesIO(payload))
with open(os.path.join(home, "work", "data.bin"), "rb") as f:
    assert f.read() == payload
got = io.BytesIO()
ftp.retrbinary("RETR data.bin", got.write)
assert got.getvalue() == payload
# ftplib uses EPSV only over IPv6, so send it by hand once.
expect(ftp.sendcmd("EPSV"), 229)
ftp.sendcmd("PASV")  # a fresh PASV replaces the EPSV listener, which must then be gone
got = io.BytesIO()
ftp.retrbinary("RETR data.bin", got.write)
assert got.getvalue() == payload

# REST STREAM for both directions.
got = io.BytesIO()
ftp.retrbinary("RETR data.bin", got.write, rest=100_000)
assert got.getvalue() == payload[100_000:]
ftp.storbinary("STOR part.bin", io.BytesIO(payload[:1000]))
ftp.storbinary("STOR part.bin", io.BytesIO(payload[1000:]), rest=1000)
with open(os.path.join(home, "work", "part.bin"), "rb") as f:
    assert f.read() == payload

# APPE, STOU, ALLO.
ftp.storbinary("APPE log.txt", io.BytesIO(b"a"))
ftp.storbinary("APPE log.txt", io.BytesIO(b"b"))
with open(os.path.join(home, "work", "log.txt"), "rb") as f:
    assert f.read() == b"ab"
conn, _ = ftp.ntransfercmd("STOU")
conn.sendall(b"unique content")
conn.close()
stou = expect(ftp.voidresp(), 226)
unique = stou.split("unique file name: ")[1].rstrip(").")
with open(os.path.join(home, "work", unique), "rb") as f:
    assert f.read() == b"unique content"
expect(ftp.sendcmd("ALLO 4096"), 200)

# TYPE A conversion.
ftp.storlines("STOR lines.txt", io.BytesIO(b"one\ntwo\n"))
with open(os.path.join(home, "work", "lines.txt"), "rb") as f:
    assert f.read() == b"one\ntwo\n"
lines = []
ftp.retrlines("RETR lines.txt", lines.append)
assert lines == ["one", "two"], lines

# Listings: LIST, NLST, MLSD, MLST, STAT path.
listing = []
ftp.retrlines("LIST", listing.append)
assert any(l.endswith(" data.bin") and l.startswith("-rw") for l in listing), listing
assert sorted(ftp.nlst()) == sorted(["data.bin", "part.bin", "log.txt", unique, "lines.txt"]), ftp.nlst()
facts = dict(ftp.mlsd(facts=["type", "size", "perm", "unix.mode"]))
assert facts["data.bin"]["type"] == "file" and facts["data.bin"]["size"] == "300000", facts["data.bin"]
assert "r" in facts["data.bin"]["perm"] and facts["data.bin"]["unix.mode"] == "0644"
assert facts["."]["type"] == "cdir"
mlst = expect(ftp.sendcmd("MLST data.bin"), 250)
assert "size=300000;" in mlst
status = expect(ftp.sendcmd("STAT data.bin"), 213)
assert "data.bin" in status

# SIZE, MDTM, MFMT, SITE.
ftp.voidcmd("TYPE I")
assert ftp.size("data.bin") == 300_000
expect(ftp.sendcmd("MFMT 20210304050607 data.bin"), 213)
assert ftp.sendcmd("MDTM data.bin") == "213 20210304050607"
assert int(os.stat(os.path.join(home, "work", "data.bin")).st_mtime) == 1614834367
expect(ftp.sendcmd("SITE CHMOD 600 data.bin"), 200)
assert oct(os.stat(os.path.join(home, "work", "data.bin")).st_mode & 0o777) == "0o600"
expect(ftp.sendcmd("SITE UTIME 202201020304 data.bin"), 200)
assert ftp.sendcmd("MDTM data.bin") == "213 20220102030400"
expect(ftp.sendcmd("SITE HELP"), 214)

# RNFR/RNTO, DELE, RMD.
expect(ftp.sendcmd("RNFR log.txt"), 350)
expect(ftp.sendcmd("RNTO renamed.txt"), 250)
assert os.path.exists(os.path.join(home, "work", "renamed.txt"))
expect(ftp.delete("renamed.txt"), 250)
expect_error(550, ftp.delete, "renamed.txt")
expect(ftp.sendcmd("MKD gone"), 257)
expect(ftp.sendcmd("RMD gone"), 250)

# Active mode: PORT, then EPRT.
ftp.set_pasv(False)
got = io.BytesIO()
ftp.retrbinary("RETR data.bin", got.write)
assert got.getvalue() == payload
# ftplib sends EPRT only over IPv6; do it by hand over IPv4.
listener = socket.create_server(("127.0.0.1", 0))
expect(ftp.sendeprt("127.0.0.1", listener.getsockname()[1]), 200)
ftp.putcmd("NLST")
expect(ftp.getresp(), 150)
conn, _ = listener.accept()
names = b""
while chunk := conn.recv(65536):
    names += chunk
conn.close()
listener.close()
expect(ftp.voidresp(), 226)
assert b"data.bin\r\n" in names, names
ftp.set_pasv(True)

# ABOR during a download: 426 for the transfer, then 226 for ABOR itself.
big = os.urandom(64 * 1024 * 1024)
with open(os.path.join(home, "work", "big.bin"), "wb") as f:
    f.write(big)
conn = ftp.transfercmd("RETR big.bin")
conn.recv(8192)
sent.add("ABOR")  # abort() writes ABOR with MSG_OOB itself, bypassing putcmd
first = ftp.abort()
assert first.startswith("426"), first
expect(ftp.getresp(), 226)
conn.close()
expect(ftp.sendcmd("NOOP"), 200)

# REIN returns to the greeting state.
expect(ftp.sendcmd("REIN"), 220)
expect_error(530, ftp.sendcmd, "PWD")
expect(ftp.login(user, password), 230)
expect(ftp.quit(), 221)

print("VERBS " + " ".join(sorted(sent)))
