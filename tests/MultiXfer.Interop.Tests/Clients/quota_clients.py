#!/usr/bin/python3
"""ftplib and paramiko (2.12) against an account's limits, one scenario per invocation.

Usage: quota_clients.py SCENARIO FTP_PORT SSH_PORT USER PASSWORD [options]

Result lines "KEY value" go to stdout for the C# test to check; exit status 0 means the scenario ran to its end,
whatever it observed.
"""
import argparse
import ftplib
import io
import socket
import struct
import threading

import paramiko

# The raw SFTP packet helpers the paramiko scenarios already use (this directory is on sys.path).
from paramiko_sftp import FXP_CLOSE, FXP_HANDLE, FXP_INIT, FXP_OPEN, FXP_WRITE, packet, read_packet, sstr, status_of, u32, u64


def one_line(value):
    return str(value).replace("\n", "\\n")


def ftp_login(args):
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", args.ftp_port, timeout=30)
    ftp.login(args.user, args.password)
    return ftp


def ssh_login(args):
    transport = paramiko.Transport(socket.create_connection(("127.0.0.1", args.ssh_port), timeout=30))
    transport.start_client(timeout=30)
    transport.auth_password(args.user, args.password)
    return transport


def ftp_upload(args, name, data):
    ftp = ftp_login(args)
    try:
        ftp.storbinary("STOR " + name, io.BytesIO(data), blocksize=32768)
        return "ok"
    except ftplib.all_errors as e:
        return "error " + one_line(e)
    finally:
        ftp.close()


def sftp_upload(args, name, data):
    transport = ssh_login(args)
    try:
        sftp = paramiko.SFTPClient.from_transport(transport)
        # Not pipelined, so a write's failure is seen at that write (paramiko reports pipelined ones late or never).
        with sftp.open(name, "wb") as f:
            for offset in range(0, len(data), 32768):
                f.write(data[offset:offset + 32768])
        return "ok"
    except (IOError, paramiko.SSHException) as e:
        return "error " + one_line(e)
    finally:
        transport.close()


def scenario_parallel(args):
    """UPLOAD protocol name ok|error ... for each of --count FTP and --count SFTP uploads running at once."""
    data = bytes((i * 7) & 0xFF for i in range(args.size))
    results = {}

    def run(protocol, index):
        name = "%s-%d.bin" % (protocol, index)
        upload = ftp_upload if protocol == "ftp" else sftp_upload
        results[(protocol, name)] = upload(args, name, data)

    threads = [threading.Thread(target=run, args=(p, i)) for i in range(args.count) for p in ("ftp", "sftp")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (protocol, name), outcome in sorted(results.items()):
        print("UPLOAD", protocol, name, outcome)


def scenario_ftp_faces(args):
    """ALLO of more than is left, STOR over the quota, SITE QUOTA: the replies as received."""
    ftp = ftp_login(args)
    print("ALLO", one_line(try_cmd(ftp, "ALLO %d" % args.size)))
    try:
        ftp.storbinary("STOR allocated.bin", io.BytesIO(b"x" * 1024))
        print("STOR_AFTER_ALLO ok")
    except ftplib.all_errors as e:
        print("STOR_AFTER_ALLO", one_line(e))
    try:
        ftp.storbinary("STOR big.bin", io.BytesIO(b"y" * args.size), blocksize=65536)
        print("STOR ok")
    except ftplib.all_errors as e:
        print("STOR", one_line(e))
    print("NLST", " ".join(sorted(ftp.nlst())))
    for line in try_cmd(ftp, "SITE QUOTA").splitlines():
        print("QUOTA", line)
    ftp.close()


def scenario_allo(args):
    """ALLO that fits, another session's upload taking the space, then the STOR the ALLO announced."""
    ftp = ftp_login(args)
    print("ALLO", one_line(try_cmd(ftp, "ALLO %d" % args.size)))
    print("OTHER", ftp_upload(args, "other.bin", b"o" * args.other_size))
    sent = 0
    try:
        ftp.voidcmd("TYPE I")
        connection = ftp.transfercmd("STOR allocated.bin")
        with connection:
            for offset in range(0, args.size, 65536):
                sent += connection.send(b"a" * min(65536, args.size - offset))
        print("STOR", one_line(ftp.voidresp()))
    except ftplib.all_errors as e:
        print("STOR", one_line(e))
    print("SENT", sent)
    ftp.close()


def scenario_ftp_quota(args):
    """SITE QUOTA alone."""
    ftp = ftp_login(args)
    for line in try_cmd(ftp, "SITE QUOTA").splitlines():
        print("QUOTA", line)
    ftp.quit()


def try_cmd(ftp, command):
    try:
        return ftp.sendcmd(command)
    except ftplib.all_errors as e:
        return str(e)


def scenario_sftp_faces(args):
    """paramiko's upload over the quota (version 3), then a raw version 6 session: the status each gets."""
    print("V3", sftp_upload(args, "v3.bin", b"z" * args.size))
    transport = ssh_login(args)
    channel = transport.open_session()
    channel.invoke_subsystem("sftp")
    channel.sendall(packet(FXP_INIT, u32(6)))
    kind, body = read_packet(channel)
    print("VERSION", struct.unpack(">I", body[:4])[0])
    # SSH_FXP_OPEN v6: id, name, desired-access (ACE4_WRITE_DATA), flags (SSH_FXF_CREATE_TRUNCATE = 1: a whole new
    # content, so a crash-safe upload), attrs (no flags, type regular).
    channel.sendall(packet(FXP_OPEN, u32(1), sstr("/v6.bin"), u32(0x00000002), u32(1), u32(0), bytes([1])))
    kind, body = read_packet(channel)
    if kind != FXP_HANDLE:
        print("OPEN", status_of(kind, body))
        return
    handle = body[4:]
    offset, code = 0, 0
    chunk = b"w" * 32768
    while offset < args.size and code == 0:
        channel.sendall(packet(FXP_WRITE, u32(2), handle, u64(offset), sstr(chunk)))
        kind, body = read_packet(channel)
        code = struct.unpack(">I", body[4:8])[0]
        offset += len(chunk)
    print("V6", status_of(kind, body))
    channel.sendall(packet(FXP_CLOSE, u32(3), handle))
    read_packet(channel)
    transport.close()


def scenario_sessions(args):
    """Holds an FTP and an SFTP session, then tries one more login of each kind."""
    ftp = ftp_login(args)
    transport = ssh_login(args)
    paramiko.SFTPClient.from_transport(transport).listdir("/")
    print("HELD", 2)
    third = ftplib.FTP()
    third.connect("127.0.0.1", args.ftp_port, timeout=30)
    try:
        third.login(args.user, args.password)
        print("FTP_THIRD ok")
    except ftplib.all_errors as e:
        print("FTP_THIRD", one_line(e))
    extra = paramiko.Transport(socket.create_connection(("127.0.0.1", args.ssh_port), timeout=30))
    extra.start_client(timeout=30)
    try:
        extra.auth_password(args.user, args.password)
        print("SSH_THIRD ok")
    except paramiko.SSHException as e:
        print("SSH_THIRD", type(e).__name__)
    print("SSH_BANNER", one_line((extra.get_banner() or b"").decode().strip()))
    extra.close()
    ftp.quit()
    transport.close()
    # The slots are free again: a new login of each kind gets in.
    again = ftp_login(args)
    print("FTP_AFTER ok")
    again.quit()
    again_ssh = ssh_login(args)
    print("SSH_AFTER", again_ssh.is_authenticated())
    again_ssh.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario")
    parser.add_argument("ftp_port", type=int)
    parser.add_argument("ssh_port", type=int)
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("--size", type=int, default=65536)
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--other-size", type=int, default=500000)
    args = parser.parse_args()
    {
        "parallel": scenario_parallel,
        "ftp-faces": scenario_ftp_faces,
        "allo": scenario_allo,
        "ftp-quota": scenario_ftp_quota,
        "sftp-faces": scenario_sftp_faces,
        "sessions": scenario_sessions,
    }[args.scenario](args)


if __name__ == "__main__":
    main()
