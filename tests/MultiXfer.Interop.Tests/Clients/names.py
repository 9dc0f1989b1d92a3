#!/usr/bin/python3
"""Every name a listing shows must be reachable by the same protocol.

Usage: names.py ftp PORT USER PASSWORD DIR
       names.py sftp PORT HOSTKEY_PUB_FILE USER KEYFILE DIR

Lists DIR, then for every listed name: reads it, renames it away and back, and checks its size; then uploads a copy
of each listed name under "up-" + name and removes it again. Prints one JSON object per line: {"listed": [...]} once,
then {"name": ..., "ok": true} or {"name": ..., "ok": false, "step": ..., "error": ...} per name. Names are JSON, so
line breaks and control characters inside them survive the trip to the test.
"""
import ftplib
import io
import json
import socket
import sys

import paramiko


def report(**fields):
    print(json.dumps(fields, ensure_ascii=True))
    sys.stdout.flush()


def exercise(name, steps):
    for step, action in steps:
        try:
            action()
        except Exception as e:  # the test shows which step failed for which name
            report(name=name, ok=False, step=step, error="%s: %s" % (type(e).__name__, e))
            return
    report(name=name, ok=True)


def run_ftp(port, user, password, directory):
    ftp = ftplib.FTP()
    ftp.encoding = "utf-8"
    ftp.connect("127.0.0.1", port, timeout=20)
    ftp.login(user, password)
    ftp.voidcmd("TYPE I")
    ftp.cwd(directory)
    listed = sorted(ftp.nlst("-a"))
    mlsd = sorted(name for name, facts in ftp.mlsd() if facts.get("type") == "file")
    listed = [name for name in listed if name not in (".", "..")]
    report(listed=listed, mlsd=mlsd)
    for name in listed:
        def read(name=name):
            data = io.BytesIO()
            ftp.retrbinary("RETR " + name, data.write)
            assert data.getvalue() == b"content of a name\n", data.getvalue()

        def size(name=name):
            assert ftp.size(name) == 18

        def rename(name=name):
            ftp.rename(name, "renamed.tmp")
            ftp.rename("renamed.tmp", name)

        def store(name=name):
            ftp.storbinary("STOR up-" + name, io.BytesIO(b"uploaded\n"))
            assert ftp.size("up-" + name) == 9
            ftp.delete("up-" + name)

        exercise(name, [("read", read), ("size", size), ("rename", rename), ("store", store)])
    ftp.quit()


def run_sftp(port, hostkeys, user, keyfile, directory):
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    transport = paramiko.Transport(sock)
    transport.start_client(timeout=20)
    known = {line.split()[1] for line in open(hostkeys) if len(line.split()) >= 2}
    if transport.get_remote_server_key().get_base64() not in known:
        raise SystemExit("unknown host key")
    transport.auth_publickey(user, paramiko.Ed25519Key.from_private_key_file(keyfile))
    sftp = paramiko.SFTPClient.from_transport(transport)
    sftp.chdir(directory)
    listed = sorted(sftp.listdir("."))
    report(listed=listed)
    for name in listed:
        def read(name=name):
            with sftp.open(name, "rb") as f:
                assert f.read() == b"content of a name\n"

        def size(name=name):
            assert sftp.stat(name).st_size == 18
            assert sftp.lstat(name).st_size == 18

        def rename(name=name):
            sftp.rename(name, "renamed.tmp")
            sftp.rename("renamed.tmp", name)

        def store(name=name):
            with sftp.open("up-" + name, "wb") as f:
                f.write(b"uploaded\n")
            assert sftp.stat("up-" + name).st_size == 9
            sftp.remove("up-" + name)

        exercise(name, [("read", read), ("size", size), ("rename", rename), ("store", store)])
    transport.close()


if __name__ == "__main__":
    if sys.argv[1] == "ftp":
        run_ftp(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        run_sftp(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6])
