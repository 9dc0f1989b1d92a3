#!/usr/bin/python3
"""paramiko (2.12) SFTP against a MultiXfer SSH listener, one scenario per invocation.

Usage: paramiko_sftp.py SCENARIO PORT HOSTKEY_PUB_FILE --user USER --key KEYFILE [options]

The server's host key must be one of the keys in HOSTKEY_PUB_FILE. Result lines "KEY value" go to stdout for the C#
test to check; a step that raises prints "STEP name error Type message" and the scenario goes on, so one run shows
every step's outcome. Exit status 0 means the scenario ran to its end, whatever it observed.
"""
import argparse
import base64
import hashlib
import io
import os
import socket
import stat
import struct
import sys
import time

import paramiko

# SSH_FXP_* packet types and the status codes the raw scenarios print.
FXP_INIT, FXP_VERSION, FXP_OPEN, FXP_CLOSE, FXP_WRITE, FXP_OPENDIR, FXP_READDIR = 1, 2, 3, 4, 6, 11, 12
FXP_STATUS, FXP_HANDLE, FXP_NAME, FXP_EXTENDED, FXP_EXTENDED_REPLY = 101, 102, 104, 200, 201


def connect(args):
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=20)
    transport = paramiko.Transport(sock)
    transport.start_client(timeout=20)
    key = transport.get_remote_server_key()
    known = set()
    with open(args.hostkeys) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                known.add(parts[1])
    if key.get_base64() not in known:
        print("HOSTKEY unknown", key.get_name())
        sys.exit(3)
    print("HOSTKEY verified", key.get_name())
    transport.auth_publickey(args.user, load_key(args.key))
    print("AUTHENTICATED", transport.is_authenticated())
    return transport


def load_key(path):
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key_file(path)
        except (paramiko.SSHException, ValueError):
            continue
    raise SystemExit("cannot load key " + path)


def one_line(value):
    return str(value).replace("\n", "\\n")


def step(name, action):
    """Runs one step; prints "STEP name ok RESULT" or "STEP name error TYPE MESSAGE"."""
    try:
        result = action()
        print("STEP", name, "ok", one_line(result if result is not None else ""))
        return result
    except Exception as e:  # the test asserts on the outcome, including the kind of failure
        errno_part = " errno=%s" % e.errno if isinstance(e, (IOError, OSError)) and e.errno is not None else ""
        print("STEP", name, "error", type(e).__name__ + errno_part, one_line(e))
        return None


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def scenario_methods(args):
    """Every public SFTPClient and SFTPFile method, in a fresh directory args.dir of the user's home."""
    transport = connect(args)
    sftp = paramiko.SFTPClient.from_transport(transport)
    local = args.local
    # the test wrote upload.bin and compares what lands on disk with it
    with open(os.path.join(local, "upload.bin"), "rb") as f:
        data = f.read()

    step("normalize_dot", lambda: sftp.normalize("."))
    step("mkdir", lambda: sftp.mkdir(args.dir, 0o750))
    step("mkdir_again", lambda: sftp.mkdir(args.dir))
    step("chdir", lambda: sftp.chdir(args.dir))
    step("getcwd", lambda: sftp.getcwd())
    # ".." applies to an existing directory, as realpath(3) needs (OpenSSH's sftp-server answers the same).
    step("normalize_rel", lambda: sftp.normalize("../" + os.path.basename(args.dir.rstrip("/")) + "/x"))
    step("put", lambda: sftp.put(os.path.join(local, "upload.bin"), "put.bin").st_size)
    step("get", lambda: sftp.get("put.bin", os.path.join(local, "get.bin")))
    step("get_sha", lambda: sha256(open(os.path.join(local, "get.bin"), "rb").read()))
    step("putfo", lambda: sftp.putfo(io.BytesIO(b"putfo content\n"), "putfo.txt").st_size)
    buffer = io.BytesIO()
    step("getfo", lambda: sftp.getfo("put.bin", buffer))
    step("getfo_sha", lambda: sha256(buffer.getvalue()))
    step("getfo_noprefetch", lambda: sha256(_getfo(sftp, "put.bin", prefetch=False)))

    # open modes
    def write_w():
        with sftp.open("modes.txt", "w") as f:
            f.write(b"0123456789")
        return sftp.stat("modes.txt").st_size
    step("open_w", write_w)

    def write_a():
        with sftp.open("modes.txt", "a") as f:
            f.write(b"abc")
        return sftp.open("modes.txt", "r").read().decode()
    step("open_a", write_a)

    def write_rplus():
        with sftp.open("modes.txt", "r+") as f:
            f.seek(2)
            f.write(b"XY")
            f.seek(0)
            return f.read().decode()
    step("open_rplus", write_rplus)

    # "x" alone is CREAT|EXCL without WRITE (an empty file, as O_RDONLY|O_CREAT|O_EXCL); "wx" also writes.
    step("open_x_new", lambda: (sftp.open("exclusive.txt", "x").close(), sftp.stat("exclusive.txt").st_size)[1])
    step("open_x_existing", lambda: sftp.open("exclusive.txt", "x").close())
    step("open_wx_new", lambda: _write(sftp, "exclusive2.txt", "wx", b"only once"))
    step("open_wx_existing", lambda: _write(sftp, "exclusive2.txt", "wx", b"twice"))
    step("open_r_missing", lambda: sftp.open("missing.txt", "r").close())
    step("open_w_truncates", lambda: _write(sftp, "exclusive.txt", "w", b"new"))

    # reading: seek/read, readv, prefetch, stat, check, tell
    def seek_read():
        with sftp.open("put.bin", "r") as f:
            f.seek(1000)
            a = f.read(100)
            f.seek(-50, 2)
            b = f.read()
            f.seek(10, 0)
            f.seek(5, 1)
            c = f.read(5)
            return "%s %s %s %d" % (a == data[1000:1100], b == data[-50:], c == data[15:20], f.tell())
    step("seek_read", seek_read)

    def readv():
        with sftp.open("put.bin", "r") as f:
            chunks = [(0, 10), (100_000, 5000), (299_990, 10), (50, 70_000)]
            got = list(f.readv(chunks))
            return all(g == data[o:o + n] for g, (o, n) in zip(got, chunks)) and len(got) == len(chunks)
    step("readv", readv)

    def prefetch():
        with sftp.open("put.bin", "r") as f:
            f.prefetch()
            return sha256(f.read())
    step("prefetch", prefetch)

    def file_stat():
        with sftp.open("put.bin", "r") as f:
            st = f.stat()
            return "%d %o" % (st.st_size, stat.S_IMODE(st.st_mode))
    step("file_stat", file_stat)

    def lines():
        with sftp.open("lines.txt", "w") as f:
            f.writelines([b"first\n", b"second\n", b"third"])
        with sftp.open("lines.txt", "r") as f:
            flags = "%s%s%s" % (f.readable(), f.writable(), f.seekable())
            first = f.readline()
            rest = [line for line in f]
        with sftp.open("lines.txt", "r") as f:
            all_lines = f.readlines()
        sftp.remove("lines.txt")
        text = lambda line: (line.decode() if isinstance(line, bytes) else line).strip()
        return "%s %s %s %d" % (flags, text(first), "|".join(text(l) for l in rest), len(all_lines))
    step("readline_iter", lines)

    # writing: pipelined, flush, file.truncate/chmod/utime, seek beyond the end
    def pipelined():
        with sftp.open("pipelined.bin", "w") as f:
            f.set_pipelined(True)
            for i in range(0, len(data), 32768):
                f.write(data[i:i + 32768])
            f.flush()
        return sha256(sftp.open("pipelined.bin").read())
    step("pipelined", pipelined)

    def file_flush():
        f = sftp.file("flush.txt", "w")
        f.write(b"flushed")
        f.flush()
        f.close()
        return sftp.file("flush.txt", "r").read().decode()
    step("file_flush", file_flush)

    def file_attrs():
        with sftp.open("fattr.txt", "w") as f:
            f.write(b"0123456789")
            f.truncate(4)
            f.chmod(0o640)
            f.utime((1_000_000_000, 1_200_000_000))
        st = sftp.stat("fattr.txt")
        return "%d %o %d" % (st.st_size, stat.S_IMODE(st.st_mode), st.st_mtime)
    step("file_attrs", file_attrs)

    # path operations
    step("chmod", lambda: sftp.chmod("putfo.txt", 0o600))
    step("stat_mode", lambda: "%o" % stat.S_IMODE(sftp.stat("putfo.txt").st_mode))
    step("utime", lambda: sftp.utime("putfo.txt", (1_500_000_000, 1_600_000_000)))
    step("stat_times", lambda: "%d %d" % (sftp.stat("putfo.txt").st_atime, sftp.stat("putfo.txt").st_mtime))
    step("truncate", lambda: sftp.truncate("put.bin", 1000))
    step("stat_size", lambda: sftp.stat("put.bin").st_size)
    owner = sftp.stat("putfo.txt")
    step("chown_same", lambda: sftp.chown("putfo.txt", owner.st_uid, owner.st_gid))
    step("chown_other", lambda: sftp.chown("putfo.txt", owner.st_uid + 4242, owner.st_gid))
    step("symlink", lambda: sftp.symlink("putfo.txt", "link.txt"))
    step("readlink", lambda: sftp.readlink("link.txt"))
    step("lstat_link", lambda: "link" if stat.S_ISLNK(sftp.lstat("link.txt").st_mode) else "not a link")
    step("stat_link", lambda: "%d %s" % (sftp.stat("link.txt").st_size, "reg" if stat.S_ISREG(sftp.stat("link.txt").st_mode) else "?"))
    step("read_via_link", lambda: sftp.open("link.txt").read().decode())
    step("rename", lambda: sftp.rename("modes.txt", "renamed.txt"))
    step("rename_onto_existing", lambda: sftp.rename("renamed.txt", "flush.txt"))
    step("posix_rename", lambda: sftp.posix_rename("renamed.txt", "flush.txt"))
    step("mkdir_sub", lambda: sftp.mkdir("sub"))
    step("rmdir_nonempty", lambda: (sftp.putfo(io.BytesIO(b"x"), "sub/x"), sftp.rmdir("sub"))[1])
    step("remove", lambda: sftp.remove("sub/x"))
    step("unlink", lambda: sftp.unlink("link.txt"))
    step("rmdir", lambda: sftp.rmdir("sub"))
    step("remove_missing", lambda: sftp.remove("sub/x"))
    step("listdir", lambda: ",".join(sorted(sftp.listdir("."))))
    step("listdir_attr", lambda: ",".join(sorted("%s:%d:%s" % (a.filename, a.st_size, a.longname.split()[0])
                                                 for a in sftp.listdir_attr("."))))
    step("listdir_iter", lambda: ",".join(sorted(a.filename for a in sftp.listdir_iter("."))))
    step("chdir_up", lambda: sftp.chdir(".."))
    step("getcwd_after", lambda: sftp.getcwd())
    step("chdir_file", lambda: sftp.chdir(args.dir + "/putfo.txt"))
    step("stat_missing", lambda: sftp.stat(args.dir + "/nothing"))
    step("listdir_many", lambda: _many(sftp, args.dir + "/many"))
    sftp.close()
    transport.close()
    print("DONE")


def scenario_check(args):
    """File hashes on the server: SFTPFile.check (paramiko's "check-file" request) and the draft's
    check-file-handle / check-file-name requests, whole file and per block, of args.remote."""
    transport = connect(args)
    sftp = paramiko.SFTPClient.from_transport(transport)
    long = paramiko.py3compat.long

    def file_check(algorithm, block):
        with sftp.open(args.remote, "r") as f:
            return f.check(algorithm, 0, 0, block).hex()
    step("file_check_sha256", lambda: file_check("sha256", 0))
    step("file_check_md5", lambda: file_check("md5", 0))
    step("file_check_sha1_blocks", lambda: file_check("sha1", 131072))

    def check_file_handle(algorithms, offset, length, block):
        with sftp.open(args.remote, "r") as f:
            t, msg = sftp._request(paramiko.sftp.CMD_EXTENDED, "check-file-handle", f.handle, algorithms, long(offset), long(length), block)
            return "%s %s %s" % (msg.get_text(), msg.get_text(), msg.get_remainder().hex())
    step("check_file_handle_sha256", lambda: check_file_handle("sha256", 0, 0, 0))
    step("check_file_handle_list", lambda: check_file_handle("nonsense,sha512,md5", 0, 0, 0))
    step("check_file_handle_range", lambda: check_file_handle("md5", 1000, 5000, 0))
    step("check_file_handle_blocks", lambda: check_file_handle("sha256", 0, 0, 131072))

    def check_file_name(algorithms):
        t, msg = sftp._request(paramiko.sftp.CMD_EXTENDED, "check-file-name", args.remote, algorithms, long(0), long(0), 0)
        return "%s %s %s" % (msg.get_text(), msg.get_text(), msg.get_remainder().hex())
    step("check_file_name_sha1", lambda: check_file_name("sha1"))
    step("check_file_name_unknown", lambda: check_file_name("crc32"))
    sftp.close()
    transport.close()
    print("DONE")


def _getfo(sftp, path, prefetch):
    buffer = io.BytesIO()
    sftp.getfo(path, buffer, prefetch=prefetch)
    return buffer.getvalue()


def _write(sftp, path, mode, content):
    with sftp.open(path, mode) as f:
        f.write(content)
    return sftp.open(path).read().decode()


def _many(sftp, directory):
    """250 entries: listings come in several READDIR batches."""
    sftp.mkdir(directory)
    for i in range(250):
        with sftp.open("%s/f%03d" % (directory, i), "w") as f:
            f.write(b"%d" % i)
    names = sftp.listdir(directory)
    by_iter = [a.filename for a in sftp.listdir_iter(directory, read_aheads=8)]
    return "%d %d %d" % (len(names), len(set(names)), len(set(by_iter)))


def scenario_interrupt(args):
    """Uploads args.size bytes to args.remote through a file opened "w", then exits abruptly after half of them:
    no CLOSE, no channel close, no SSH disconnect (as a killed client)."""
    transport = connect(args)
    sftp = paramiko.SFTPClient.from_transport(transport)
    f = sftp.open(args.remote, "w")
    chunk = os.urandom(32768)
    written = 0
    while written < args.size // 2:
        f.write(chunk)
        written += len(chunk)
    f.flush()
    # a synchronous round trip, so that the server has handled every WRITE before we vanish
    sftp.stat(".")
    print("WRITTEN", written)
    sys.stdout.flush()
    os._exit(0)


# Raw SFTP on the "sftp" subsystem: what the server announces, and what it answers to single requests.

def packet(kind, *fields):
    body = bytes([kind]) + b"".join(fields)
    return struct.pack(">I", len(body)) + body


def sstr(value):
    value = value.encode() if isinstance(value, str) else value
    return struct.pack(">I", len(value)) + value


def u32(value):
    return struct.pack(">I", value)


def u64(value):
    return struct.pack(">Q", value)


def recv_exact(channel, count):
    data = b""
    while len(data) < count:
        chunk = channel.recv(count - len(data))
        if not chunk:
            raise EOFError("channel closed after %d of %d bytes" % (len(data), count))
        data += chunk
    return data


def read_packet(channel):
    length = struct.unpack(">I", recv_exact(channel, 4))[0]
    body = recv_exact(channel, length)
    return body[0], body[1:]


def read_string(data, offset):
    length = struct.unpack(">I", data[offset:offset + 4])[0]
    return data[offset + 4:offset + 4 + length], offset + 4 + length


def status_of(kind, body):
    if kind != FXP_STATUS:
        return "type%d" % kind
    code = struct.unpack(">I", body[4:8])[0]
    message, _ = read_string(body, 8)
    return "%d %s" % (code, message.decode(errors="replace"))


def scenario_version(args):
    """INIT with args.init_version, prints VERSION and every extension pair, then probes EXTENDED requests."""
    transport = connect(args)
    channel = transport.open_session()
    channel.invoke_subsystem("sftp")
    channel.sendall(packet(FXP_INIT, u32(args.init_version)))
    kind, body = read_packet(channel)
    print("REPLY_TYPE", kind)
    version = struct.unpack(">I", body[:4])[0]
    print("VERSION", version)
    offset = 4
    while offset < len(body):
        name, offset = read_string(body, offset)
        value, offset = read_string(body, offset)
        printable = value.decode() if all(32 <= b < 127 for b in value) else "base64:" + base64.b64encode(value).decode()
        print("EXTENSION", name.decode(), printable)

    request_id = 1
    # A file to point requests at: "probe.bin" must exist in the home (the test creates it).
    channel.sendall(packet(FXP_OPEN, u32(request_id), sstr("probe.bin"), *open_read_fields(version)))
    kind, body = read_packet(channel)
    handle = read_string(body, 4)[0] if kind == FXP_HANDLE else b"nohandle"
    print("OPEN", "handle" if kind == FXP_HANDLE else status_of(kind, body))
    for name in args.probe:
        request_id += 1
        if name == "copy-data":
            fields = [sstr(handle), u64(0), u64(0), sstr(handle), u64(1 << 40)]
        elif name in ("posix-rename@openssh.com", "hardlink@openssh.com"):
            fields = [sstr("probe-missing-a"), sstr("probe-missing-b")]
        elif name == "check-file-handle":
            fields = [sstr(handle), sstr("sha256"), u64(0), u64(0), u32(0)]
        elif name == "limits@openssh.com":
            fields = []
        else:
            fields = [sstr("probe.bin")]
        channel.sendall(packet(FXP_EXTENDED, u32(request_id), sstr(name), *fields))
        kind, body = read_packet(channel)
        print("PROBE", name, "reply" if kind == FXP_EXTENDED_REPLY else status_of(kind, body))
    channel.close()
    transport.close()


def scenario_upload_fault(args):
    """Uploads the local file args.source to args.remote with raw SFTP at version args.init_version, one WRITE at a
    time from args.offset (a resume writes into the existing file, a plain upload truncates), and prints what the
    server answered: the first failing WRITE, one more WRITE after it, the CLOSE; then whether the session still
    lists, uploads and reads; then the same upload through paramiko's own SFTPClient.put in a new session."""
    with open(args.source, "rb") as f:
        data = f.read()
    transport = connect(args)
    channel = transport.open_session()
    channel.invoke_subsystem("sftp")
    channel.sendall(packet(FXP_INIT, u32(args.init_version)))
    kind, body = read_packet(channel)
    version = struct.unpack(">I", body[:4])[0]
    print("VERSION", version)
    ids = iter(range(1, 1 << 30))

    def request(kind, *fields):
        channel.sendall(packet(kind, u32(next(ids)), *fields))
        return read_packet(channel)

    def open_handle(path, truncate):
        kind, body = request(FXP_OPEN, sstr(path), *open_write_fields(version, truncate))
        return (read_string(body, 4)[0], "handle") if kind == FXP_HANDLE else (None, status_of(kind, body))

    handle, opened = open_handle(args.remote, truncate=args.offset == 0)
    print("OPEN", opened)
    if handle is not None:
        offset, failed = args.offset, None
        while offset < len(data):
            chunk = data[offset:offset + 32768]
            reply = status_of(*request(FXP_WRITE, sstr(handle), u64(offset), sstr(chunk)))
            if not reply.startswith("0 "):
                failed = reply
                break
            offset += len(chunk)
        print("WRITE_FAILED", offset, failed if failed else "none")
        if failed:
            print("AFTER", status_of(*request(FXP_WRITE, sstr(handle), u64(offset + 32768), sstr(b"x" * 100))))
        print("CLOSE", status_of(*request(FXP_CLOSE, sstr(handle))))

    kind, body = request(FXP_OPENDIR, sstr("."))
    if kind == FXP_HANDLE:
        listing = read_string(body, 4)[0]
        kind, body = request(FXP_READDIR, sstr(listing))
        request(FXP_CLOSE, sstr(listing))
    print("LISTED", "ok" if kind == FXP_NAME else status_of(kind, body))
    small, opened = open_handle("usable.bin", truncate=True)
    if small is None:
        print("USABLE", opened)
    else:
        written = status_of(*request(FXP_WRITE, sstr(small), u64(0), sstr(b"still usable\n")))
        print("USABLE", written, "/", status_of(*request(FXP_CLOSE, sstr(small))))
    channel.close()
    if args.put:
        sftp = paramiko.SFTPClient.from_transport(transport)
        step("put", lambda: sftp.put(args.source, args.put).st_size)
    transport.close()


def open_write_fields(version, truncate):
    """OPEN's fields after the name for writing, creating the file; truncating it unless resuming."""
    if version >= 5:
        # ACE4_WRITE_DATA; SSH_FXF_CREATE_TRUNCATE (1) or SSH_FXF_OPEN_OR_CREATE (3)
        return [u32(0x00000002), u32(1 if truncate else 3), u32(0), bytes([1])]
    flags = 0x02 | 0x08 | (0x10 if truncate else 0)  # WRITE | CREAT | TRUNC
    return [u32(flags), u32(0)] + ([bytes([1])] if version == 4 else [])


def open_read_fields(version):
    """OPEN's fields after the name for reading an existing file, with empty ATTRS (versions 4+ add a type byte)."""
    if version >= 5:
        # desired-access ACE4_READ_DATA, flags SSH_FXF_OPEN_EXISTING, ATTRS: no flags, type REGULAR
        return [u32(0x00000001), u32(0x00000002), u32(0), bytes([1])]
    if version == 4:
        return [u32(0x00000001), u32(0), bytes([1])]  # SSH_FXF_READ
    return [u32(0x00000001), u32(0)]


SCENARIOS = {
    "methods": scenario_methods,
    "interrupt": scenario_interrupt,
    "check": scenario_check,
    "version": scenario_version,
    "upload-fault": scenario_upload_fault,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("port", type=int)
    parser.add_argument("hostkeys")
    parser.add_argument("--user", default="alice")
    parser.add_argument("--key", required=True)
    parser.add_argument("--local", default=".", help="a local directory for files the scenario writes")
    parser.add_argument("--dir", default="pm", help="the directory the methods scenario creates and works in")
    parser.add_argument("--remote", default="interrupted.bin")
    parser.add_argument("--size", type=int, default=8 * 1024 * 1024)
    parser.add_argument("--init-version", type=int, default=3)
    parser.add_argument("--probe", action="append", default=[])
    parser.add_argument("--source", help="upload-fault: the local file to upload")
    parser.add_argument("--offset", type=int, default=0, help="upload-fault: resume at this offset (no truncation)")
    parser.add_argument("--put", help="upload-fault: afterwards, also upload the file there with SFTPClient.put")
    args = parser.parse_args()
    SCENARIOS[args.scenario](args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
