#!/usr/bin/python3
"""The legacy scp protocol spoken by hand over paramiko (2.12) exec channels, one scenario per invocation.

Usage: paramiko_scp.py SCENARIO PORT HOSTKEY_PUB_FILE [options]

The server's host key is verified against HOSTKEY_PUB_FILE (OpenSSH public key lines). Result lines "KEY value" go
to stdout for the C# test to check; exit status 0 means the scenario ran to its end, whatever it observed.

Scenarios:
  upload    exec "scp -t TARGET", send --name with --size random bytes (or --content), report every reply.
  download  exec "scp -f PATH", acknowledge everything, report the records and the bytes' SHA-256.
  script    channels one after another, each: exec its "command", then run its "steps" (JSON [op, arg] lists):
            ["send", text] (text of code points below 256 goes byte for byte, other text as UTF-8),
            ["fill", n] (n bytes of "x"), ["reply"] (read one status reply), ["eof"] (shut down writing),
            ["wait", seconds], ["drop"] (close the socket at once and end the scenario); then EOF, the rest of the
            output, the exit status and standard error.
  exec      exec --command, send nothing, close the input; report stdout, stderr and the exit status.
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import sys
import time

import paramiko


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
    transport.auth_password(args.user, args.secret)
    print("AUTHENTICATED", transport.is_authenticated())
    return transport


class Reader:
    """Buffered reads from a channel with a deadline; None at EOF, "timeout" when the deadline passes."""

    def __init__(self, channel, timeout):
        self.channel = channel
        self.timeout = timeout
        self.buffer = b""
        self.eof = False
        channel.settimeout(timeout)

    def _fill(self):
        if self.eof:
            return False
        try:
            chunk = self.channel.recv(65536)
        except socket.timeout:
            raise TimeoutError()
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def byte(self):
        while not self.buffer:
            if not self._fill():
                return None
        b = self.buffer[0]
        self.buffer = self.buffer[1:]
        return b

    def line(self):
        while b"\n" not in self.buffer:
            if not self._fill():
                rest, self.buffer = self.buffer, b""
                return rest if rest else None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def exactly(self, count):
        while len(self.buffer) < count:
            if not self._fill():
                break
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def rest(self):
        try:
            while self._fill():
                pass
        except TimeoutError:
            pass
        rest, self.buffer = self.buffer, b""
        return rest


def text(data):
    return data.decode("utf-8", "replace").replace("\n", "\\n")


def reply(reader):
    """One status reply: "0", "1 message", "2 message", "eof" or "timeout"."""
    try:
        b = reader.byte()
        if b is None:
            return "eof"
        if b in (1, 2):
            message = reader.line()
            return "%d %s" % (b, text(message or b""))
        return "%d" % b
    except TimeoutError:
        return "timeout"


def exit_status(channel, timeout=20):
    deadline = time.monotonic() + timeout
    while not channel.exit_status_ready():
        if time.monotonic() > deadline:
            return "none"
        time.sleep(0.02)
    return str(channel.recv_exit_status())


def scenario_upload(args):
    transport = connect(args)
    channel = transport.open_session()
    channel.exec_command(args.command)
    reader = Reader(channel, args.timeout)
    print("READY", reply(reader))
    content = args.content.encode() if args.content is not None else os.urandom(args.size)
    channel.sendall(("C%s %d %s\n" % (args.mode, len(content), args.name)).encode())
    answer = reply(reader)
    print("HEADER", answer)
    if answer == "0":
        channel.sendall(content)
        channel.sendall(b"\0")
        print("FILE", reply(reader))
        print("SHA256", hashlib.sha256(content).hexdigest())
    channel.shutdown_write()
    print("REST", base64.b64encode(reader.rest()).decode())
    print("EXIT", exit_status(channel))
    transport.close()


def scenario_download(args):
    transport = connect(args)
    channel = transport.open_session()
    channel.exec_command(args.command)
    reader = Reader(channel, args.timeout)
    channel.sendall(b"\0")
    try:
        while True:
            b = reader.byte()
            if b is None:
                break
            if b in (1, 2):
                print("WARN" if b == 1 else "FATAL", text(reader.line() or b""))
                continue
            line = bytes([b]) + (reader.line() or b"")
            print("RECORD", text(line))
            if line[:1] == b"C":
                size = int(line.split(b" ", 2)[1])
                channel.sendall(b"\0")
                digest = hashlib.sha256()
                remaining = size
                while remaining > 0:
                    chunk = reader.exactly(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    digest.update(chunk)
                    remaining -= len(chunk)
                print("DATA", size - remaining, digest.hexdigest())
                print("STATUS", reply(reader))
            channel.sendall(b"\0")
    except TimeoutError:
        print("TIMEOUT")
    channel.shutdown_write()
    print("EXIT", exit_status(channel))
    transport.close()


def scenario_script(args):
    """Channels one after another on one connection, each running its own command and steps.

    --script is a JSON list of {"command": ..., "steps": [[op, arg], ...]}; every result line carries the channel's
    index: "REPLY i ...", "REST i base64", "STDERR i base64", "EXIT i status".
    """
    transport = connect(args)
    for index, item in enumerate(json.loads(args.script)):
        channel = transport.open_session()
        channel.exec_command(item["command"])
        reader = Reader(channel, args.timeout)
        for step in item.get("steps", []):
            op = step[0]
            if op == "send":
                data = step[1]
                try:
                    channel.sendall(data.encode("latin-1") if all(ord(c) < 256 for c in data) else data.encode())
                except (OSError, EOFError) as e:
                    print("SEND_FAILED", index, type(e).__name__)
            elif op == "fill":
                try:
                    channel.sendall(b"x" * int(step[1]))
                except (OSError, EOFError) as e:
                    print("SEND_FAILED", index, type(e).__name__)
            elif op == "reply":
                print("REPLY", index, reply(reader))
            elif op == "eof":
                channel.shutdown_write()
            elif op == "wait":
                time.sleep(float(step[1]))
            elif op == "drop":
                # The connection vanishes mid-transfer: no EOF, no channel close, just the socket.
                transport.sock.close()
                print("DROPPED", index)
                return
            else:
                raise SystemExit("unknown step " + op)
        channel.shutdown_write()
        print("REST", index, base64.b64encode(reader.rest()).decode())
        print("EXIT", index, exit_status(channel))
        stderr = b""
        while channel.recv_stderr_ready():
            stderr += channel.recv_stderr(65536)
        print("STDERR", index, base64.b64encode(stderr).decode())
        channel.close()
    transport.close()


def scenario_exec(args):
    transport = connect(args)
    channel = transport.open_session()
    channel.exec_command(args.command)
    channel.shutdown_write()
    stdout = channel.makefile("rb").read()
    stderr = channel.makefile_stderr("rb").read()
    print("EXIT", channel.recv_exit_status())
    print("STDOUT", base64.b64encode(stdout).decode())
    print("STDERR", base64.b64encode(stderr).decode())
    transport.close()


SCENARIOS = {
    "upload": scenario_upload,
    "download": scenario_download,
    "script": scenario_script,
    "exec": scenario_exec,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("port", type=int)
    parser.add_argument("hostkeys")
    parser.add_argument("--user", default="alice")
    parser.add_argument("--secret", default="")
    parser.add_argument("--command", default="scp -t .")
    parser.add_argument("--name", default="file.bin")
    parser.add_argument("--mode", default="0644")
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--content", default=None)
    parser.add_argument("--script", default="[]")
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    SCENARIOS[args.scenario](args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
