#!/usr/bin/python3
"""ftplib and paramiko from a chosen source address, for the front-end tests (auto listeners, PROXY protocol).

Usage:
  frontend_clients.py ftplib HOST PORT USER PASSWORD --source ADDR [--active] [--trust-pasv]
                      [--put LOCAL REMOTE]... [--get REMOTE LOCAL]...
  frontend_clients.py paramiko HOST PORT USER KEYFILE HOSTKEY_PUB_FILE --source ADDR
                      [--put LOCAL REMOTE]... [--get REMOTE LOCAL]... [--list DIR]...

Both bind the control connection (and ftplib its data connections: passive ones through source_address, active
listeners on the control connection's own address) to ADDR. Result lines "KEY value" go to stdout; any failure
raises, so exit status 0 means every step worked.
"""
import argparse
import ftplib
import socket
import sys

import paramiko


def run_ftplib(args):
    ftp = ftplib.FTP(timeout=20, source_address=(args.source, 0))
    # PASV's address is used as given (ftplib otherwise connects to the control connection's peer): the tests
    # advertise a proxy's data frontend there.
    ftp.trust_server_pasv_ipv4_address = args.trust_pasv
    print("WELCOME", ftp.connect(args.host, args.port).replace("\n", " "))
    print("LOGIN", ftp.login(args.user, args.password))
    print("CONTROL", "%s:%d" % ftp.sock.getsockname()[:2], "->", "%s:%d" % ftp.sock.getpeername()[:2])
    ftp.set_pasv(not args.active)
    print("TYPE", ftp.voidcmd("TYPE I"))
    for local, remote in args.put or []:
        with open(local, "rb") as f:
            conn = ftp.transfercmd("STOR " + remote)
            print("DATA STOR", "%s:%d" % conn.getsockname()[:2], "<->", "%s:%d" % conn.getpeername()[:2])
            while True:
                block = f.read(65536)
                if not block:
                    break
                conn.sendall(block)
            conn.close()
            print("STORED", remote, ftp.voidresp())
    for remote, local in args.get or []:
        with open(local, "wb") as f:
            conn = ftp.transfercmd("RETR " + remote)
            print("DATA RETR", "%s:%d" % conn.getsockname()[:2], "<->", "%s:%d" % conn.getpeername()[:2])
            while True:
                block = conn.recv(65536)
                if not block:
                    break
                f.write(block)
            conn.close()
            print("RETRIEVED", remote, ftp.voidresp())
    print("QUIT", ftp.quit())


def load_key(path):
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key_file(path)
        except (paramiko.SSHException, ValueError):
            continue
    raise ValueError("cannot load " + path)


def run_paramiko(args):
    family = socket.AF_INET6 if ":" in args.source else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(20)
    sock.bind((args.source, 0))
    sock.connect((args.host, args.port))
    print("CONTROL", "%s:%d" % sock.getsockname()[:2], "->", "%s:%d" % sock.getpeername()[:2])
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=20)
        key = transport.get_remote_server_key()
        with open(args.hostkeys) as f:
            known = {line.split()[1] for line in f if len(line.split()) >= 2}
        if key.get_base64() not in known:
            raise SystemExit("HOSTKEY unknown " + key.get_name())
        print("HOSTKEY verified", key.get_name())
        transport.auth_publickey(args.user, load_key(args.key))
        print("AUTHENTICATED", transport.is_authenticated())
        sftp = paramiko.SFTPClient.from_transport(transport)
        for local, remote in args.put or []:
            print("PUT", remote, sftp.put(local, remote).st_size)
        for remote, local in args.get or []:
            sftp.get(remote, local)
            print("GOT", remote)
        for directory in args.list or []:
            print("LIST", directory, " ".join(sorted(sftp.listdir(directory))))
        sftp.close()
    finally:
        transport.close()


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="client", required=True)
    f = sub.add_parser("ftplib")
    f.add_argument("host")
    f.add_argument("port", type=int)
    f.add_argument("user")
    f.add_argument("password")
    f.add_argument("--source", required=True)
    f.add_argument("--active", action="store_true")
    f.add_argument("--trust-pasv", action="store_true")
    f.add_argument("--put", nargs=2, action="append")
    f.add_argument("--get", nargs=2, action="append")
    p = sub.add_parser("paramiko")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("user")
    p.add_argument("key")
    p.add_argument("hostkeys")
    p.add_argument("--source", required=True)
    p.add_argument("--put", nargs=2, action="append")
    p.add_argument("--get", nargs=2, action="append")
    p.add_argument("--list", action="append")
    args = parser.parse_args()
    if args.client == "ftplib":
        run_ftplib(args)
    else:
        run_paramiko(args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
