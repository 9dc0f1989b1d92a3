#!/usr/bin/python3
"""Many concurrent idle logged-in sessions against one server: a third each of FTP, explicit FTPS (AUTH TLS, PROT P)
and SFTP (asyncssh, password login, the sftp subsystem started), opened from several loopback source addresses so
that no one address holds more than SESSIONS/SOURCES of them (as the per-address limit of a real deployment would
want). Reports, as one JSON line:
  seconds           from the first connect until every session is logged in
  per_session_kib   growth of the server's PSS (process tree of PID) over its figure before, divided by the sessions
  ftp_login_ms, sftp_login_ms
                    a new client's login while all of them are open: curl (FTP login, PWD, LIST of data/) and OpenSSH
                    sftp (key login, pwd), each a new process, so the figures include starting it
  fds, threads      the server's open descriptors and threads with every session open
usage: sessions.py --pid PID --ftp-port P --ssh-port P [--sessions 10000] [--sources 10] [--concurrency 100]
                   [--kinds ftp,ftps,sftp] [--hold SECONDS]
Run with Debian's python3 (python3-asyncssh). Raise the descriptor limit first (bench/run.sh does: ulimit -n)."""
import argparse
import asyncio
import json
import os
import resource
import ssl
import subprocess
import sys
import time

import asyncssh

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from idle_conns import pss_of  # noqa: E402

USER, PASSWORD = "bench", "benchpass"
KEY = os.path.join(os.environ.get("BENCH_WORK", "/tmp/xferbench"), "id_ed25519")
TIMEOUT = 60


# One context for every session (making one loads the system's CA store: 20 ms each). The bench's certificate is
# self-signed; what is measured is the server's cost of a TLS session, not the client's trust.
TLS_CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
TLS_CONTEXT.check_hostname = False
TLS_CONTEXT.verify_mode = ssl.CERT_NONE


class FtpControl:
    """A minimal FTP control connection: only what logging in needs (RFC 959 replies, RFC 4217 AUTH TLS)."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    async def reply(self):
        line = await self.reader.readline()
        code = line[:3]
        # RFC 959 §4.2: a multi-line reply ends with the code followed by a space.
        while line[3:4] == b"-":
            line = await self.reader.readline()
            if not line:
                break
            if line[:3] == code and line[3:4] == b" ":
                break
        return int(code or b"0")

    async def command(self, text, expected):
        self.writer.write(text.encode() + b"\r\n")
        code = await self.reply()
        if code != expected:
            raise RuntimeError(f"{text.split()[0]}: expected {expected}, got {code}")


async def open_ftp(port, source, tls):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    control = FtpControl(reader, writer)
    if await control.reply() != 220:
        raise RuntimeError("no 220 greeting")
    if tls:
        await control.command("AUTH TLS", 234)
        await writer.start_tls(TLS_CONTEXT)
        await control.command("PBSZ 0", 200)
        await control.command("PROT P", 200)
    await control.command(f"USER {USER}", 331)
    await control.command(f"PASS {PASSWORD}", 230)
    await control.command("PWD", 257)
    return control


async def open_sftp(port, source):
    connection = await asyncssh.connect("127.0.0.1", port, local_addr=(source, 0), username=USER, password=PASSWORD,
                                        known_hosts=None, client_keys=None, agent_path=None, preferred_auth="password",
                                        compression_algs=["none"])  # as OpenSSH, WinSCP and FileZilla by default
    sftp = await connection.start_sftp_client()
    await sftp.realpath(".")
    return connection, sftp


async def answers_again(session, gate):
    async with gate:
        try:
            if isinstance(session, tuple):
                await asyncio.wait_for(session[1].realpath("."), TIMEOUT)
            else:
                await asyncio.wait_for(session.command("NOOP", 200), TIMEOUT)
            return True
        except (OSError, RuntimeError, asyncssh.Error, asyncio.TimeoutError):
            return False


def timed_ms(command):
    start = time.monotonic()
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   timeout=TIMEOUT)
    return round((time.monotonic() - start) * 1000)


def new_client_logins(ftp_port, ssh_port):
    ftp = timed_ms(["curl", "-sS", "-o", "/dev/null", f"ftp://{USER}:{PASSWORD}@127.0.0.1:{ftp_port}/data/"])
    sftp = timed_ms(["sftp", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                     "-i", KEY, "-P", str(ssh_port), "-b", "-", f"{USER}@127.0.0.1"])
    return ftp, sftp


def server_counts(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    threads = len(os.listdir(f"/proc/{pid}/task"))
    return fds, threads


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--ftp-port", type=int, required=True)
    parser.add_argument("--ssh-port", type=int, required=True)
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--kinds", default="ftp,ftps,sftp", help="the mix, in turn")
    parser.add_argument("--hold", type=float, default=0, help="seconds to keep them open before closing (to inspect)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.sessions + 1000:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.sessions + 1000), hard))

    before, _ = pss_of(f"tree:{args.pid}")
    gate = asyncio.Semaphore(args.concurrency)
    kinds = args.kinds.split(",")
    held, failures = [], []

    async def one(index):
        source = f"127.0.0.{2 + index % args.sources}"
        kind = kinds[index % len(kinds)]
        async with gate:
            try:
                if kind == "sftp":
                    held.append(await asyncio.wait_for(open_sftp(args.ssh_port, source), TIMEOUT))
                else:
                    held.append(await asyncio.wait_for(open_ftp(args.ftp_port, source, kind == "ftps"), TIMEOUT))
            except (OSError, RuntimeError, asyncssh.Error, asyncio.TimeoutError) as error:
                failures.append(f"{kind}: {type(error).__name__} {error}")

    start = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(args.sessions)))
    seconds = time.monotonic() - start
    # The logins' garbage is the server's to collect; a few idle seconds let it, as they would in service.
    await asyncio.sleep(5)
    after, _ = pss_of(f"tree:{args.pid}")
    fds, threads = server_counts(args.pid)
    ftp_ms, sftp_ms = await asyncio.to_thread(new_client_logins, args.ftp_port, args.ssh_port)
    # Every session still answers (none was dropped while the others logged in or idled).
    answers = await asyncio.gather(*(answers_again(item, gate) for item in held))
    await asyncio.sleep(args.hold)
    for item in held:
        (item[0] if isinstance(item, tuple) else item.writer).close()
    print(json.dumps({"sessions": args.sessions, "logged_in": len(held), "answering": sum(answers), "failures": len(failures),
                      "first_failures": failures[:3], "seconds": round(seconds, 1),
                      "pss_before_kib": before, "pss_after_kib": after,
                      "per_session_kib": round((after - before) / max(1, len(held)), 1),
                      "fds": fds, "threads": threads, "ftp_login_ms": ftp_ms, "sftp_login_ms": sftp_ms}))


if __name__ == "__main__":
    asyncio.run(main())
