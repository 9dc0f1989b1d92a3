#!/usr/bin/python3
"""Soak: a MultiXfer server under a steady mixed load for a fixed time, bounded and self-stopping.

Usage: soak.py --pid PID --ftp PORT --ssh PORT --user USER --password PW --key KEYFILE --data DIR --out DIR
               [--minutes 30] [--idle 500] [--workers 20] [--sample 10]

Holds IDLE logged-in sessions (FTP, FTPS, SFTP and SCP in equal parts, each sending a keepalive now and then, as
clients left open do), and runs WORKERS clients that loop uploads and downloads of random files (FTP, FTPS, SFTP via
paramiko, SCP via OpenSSH's scp -O) checking every byte with SHA-256. Every SAMPLE seconds it records the server's
RSS, open descriptors and threads, and every few minutes (through dotnet-gcdump, which forces a full collection) its live GC heap. Writes OUT/samples.csv and OUT/summary.md;
exits 1 if any data error or unexpected disconnect happened.
"""
import argparse
import csv
import ftplib
import hashlib
import io
import os
import random
import socket
import ssl
import subprocess
import sys
import threading
import time

import paramiko

stop = threading.Event()
lock = threading.Lock()
stats = {"ops": 0, "bytes": 0, "data_errors": 0, "disconnects": 0, "idle_lost": 0}
errors = []


def count(key, amount=1, detail=None):
    with lock:
        stats[key] += amount
        if detail and len(errors) < 50:
            errors.append("%s %s: %s" % (time.strftime("%H:%M:%S"), key, detail))


def ftp_client(args, tls):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        client = ftplib.FTP_TLS(context=context, timeout=60)
    else:
        client = ftplib.FTP(timeout=60)
    client.connect("127.0.0.1", args.ftp)
    client.login(args.user, args.password)
    if tls:
        client.prot_p()
    return client


def ssh_transport(args):
    sock = socket.create_connection(("127.0.0.1", args.ssh), timeout=60)
    transport = paramiko.Transport(sock)
    transport.start_client(timeout=60)
    transport.auth_publickey(args.user, paramiko.Ed25519Key.from_private_key_file(args.key))
    return transport


# ----- idle sessions -----

def hold_idle(args, kind, index):
    """One logged-in session that does nothing but a keepalive every 60-120 s until the end."""
    session = None
    try:
        if kind in ("ftp", "ftps"):
            session = ftp_client(args, kind == "ftps")
            keepalive = lambda: session.voidcmd("NOOP")
        else:
            session = ssh_transport(args)
            channel = session.open_session()
            if kind == "sftp":
                channel.invoke_subsystem("sftp")
            else:
                channel.exec_command("scp -t /idle-%d" % index)  # a sink waiting for its first line
            # As OpenSSH's ServerAliveInterval: a global request the server answers (and counts as activity).
            keepalive = lambda: session.global_request("keepalive@openssh.com", wait=True)
        while not stop.wait(random.uniform(60, 120)):
            keepalive()
    except Exception as e:  # an idle session must survive the whole run
        if not stop.is_set():
            count("idle_lost", detail="%s idle %d: %s: %s" % (kind, index, type(e).__name__, e))
    finally:
        try:
            if session is not None:
                session.close()
        except Exception:
            pass


# ----- transfer loops -----

def random_payload():
    size = random.choice([0, 1, 100, 4096, 65536, 300_000, 1_000_000, 3_000_000]) + random.randint(0, 999)
    return os.urandom(size)


def loop_ftp(args, worker, tls):
    client = None
    while not stop.is_set():
        try:
            if client is None:
                client = ftp_client(args, tls)
            data = random_payload()
            name = "w%d-%d.bin" % (worker, stats["ops"])
            client.storbinary("STOR " + name, io.BytesIO(data))
            back = io.BytesIO()
            client.retrbinary("RETR " + name, back.write)
            client.delete(name)
            check(data, back.getvalue(), "ftps" if tls else "ftp", name)
        except Exception as e:
            if not stop.is_set():
                count("disconnects", detail="%s worker %d: %s: %s" % ("ftps" if tls else "ftp", worker, type(e).__name__, e))
            client = None
            stop.wait(1)


def loop_sftp(args, worker):
    transport = sftp = None
    while not stop.is_set():
        try:
            if sftp is None:
                transport = ssh_transport(args)
                sftp = paramiko.SFTPClient.from_transport(transport)
            data = random_payload()
            name = "w%d-%d.bin" % (worker, stats["ops"])
            with sftp.open(name, "wb") as f:
                f.set_pipelined(True)
                f.write(data)
            with sftp.open(name, "rb") as f:
                f.prefetch()
                back = f.read()
            sftp.remove(name)
            check(data, back, "sftp", name)
        except Exception as e:
            if not stop.is_set():
                count("disconnects", detail="sftp worker %d: %s: %s" % (worker, type(e).__name__, e))
            sftp = None
            if transport is not None:
                transport.close()
            stop.wait(1)


def loop_scp(args, worker, scratch):
    ssh = ["-F", "/dev/null", "-P", str(args.ssh), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
           "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-i", args.key, "-O"]
    while not stop.is_set():
        data = random_payload()
        name = "w%d-%d.bin" % (worker, stats["ops"])
        local, back = os.path.join(scratch, name), os.path.join(scratch, name + ".back")
        with open(local, "wb") as f:
            f.write(data)
        try:
            for argv in (["scp"] + ssh + [local, "%s@127.0.0.1:%s" % (args.user, name)],
                         ["scp"] + ssh + ["%s@127.0.0.1:%s" % (args.user, name), back]):
                result = subprocess.run(argv, capture_output=True, timeout=120)
                if result.returncode != 0:
                    raise RuntimeError(result.stderr.decode(errors="replace").strip())
            with open(back, "rb") as f:
                check(data, f.read(), "scp", name)
            os.remove(os.path.join(args.data, name))
        except Exception as e:
            if not stop.is_set():
                count("disconnects", detail="scp worker %d: %s: %s" % (worker, type(e).__name__, e))
            stop.wait(1)
        finally:
            for path in (local, back):
                if os.path.exists(path):
                    os.remove(path)


def check(sent, received, protocol, name):
    if hashlib.sha256(sent).digest() != hashlib.sha256(received).digest():
        count("data_errors", detail="%s %s: %d bytes sent, %d received" % (protocol, name, len(sent), len(received)))
    else:
        count("ops")
        count("bytes", 2 * len(sent))


# ----- sampling -----

def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["Threads"])


def live_heap(gcdump, pid, out, seconds):
    """The live GC heap in bytes: dotnet-gcdump forces a full, blocking collection and counts what survives, so this
    is what the server really holds (the runtime's own heap-size counters include garbage no gen2 collection has
    reclaimed yet, which on a machine with memory to spare can be most of it). None when the tool fails."""
    path = os.path.join(out, "heap-%d.gcdump" % seconds)
    try:
        subprocess.run([gcdump, "collect", "-p", str(pid), "-o", path], capture_output=True, timeout=120, check=True)
        report = subprocess.run([gcdump, "report", path], capture_output=True, timeout=120, check=True).stdout.decode()
        os.remove(path)
        return int(report.split("GC Heap bytes")[0].split()[-1].replace(",", ""))
    except (subprocess.SubprocessError, OSError, ValueError, IndexError):
        return None


def main():
    parser = argparse.ArgumentParser()
    for name in ("--pid", "--ftp", "--ssh"):
        parser.add_argument(name, type=int, required=True)
    for name in ("--user", "--password", "--key", "--data", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--sample", type=float, default=10)
    parser.add_argument("--gcdump", default="", help="the dotnet-gcdump executable, for the live heap")
    parser.add_argument("--heap-every", type=float, default=300, help="seconds between live-heap measurements")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    scratch = os.path.join(args.out, "scratch")
    os.makedirs(scratch, exist_ok=True)

    threads = []
    kinds = ["ftp", "ftps", "sftp", "scp"]
    for i in range(args.idle):
        t = threading.Thread(target=hold_idle, args=(args, kinds[i % 4], i), daemon=True)
        t.start()
        threads.append(t)
        if i % 20 == 19:
            time.sleep(0.2)  # a steady ramp, as sessions arrive in real life
    workers = [("ftp", loop_ftp, (False,)), ("ftps", loop_ftp, (True,)), ("sftp", loop_sftp, ()), ("scp", loop_scp, (scratch,))]
    for w in range(args.workers):
        _, function, extra = workers[w % 4]
        t = threading.Thread(target=function, args=(args, w) + extra, daemon=True)
        t.start()
        threads.append(t)

    start = time.time()
    deadline = start + args.minutes * 60
    next_heap = start + min(args.heap_every, args.minutes * 60 / 3)
    with open(os.path.join(args.out, "samples.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["seconds", "rss_mib", "fds", "threads", "gc_heap_mib", "ops", "gib_moved", "data_errors", "disconnects", "idle_lost"])
        while time.time() < deadline:
            time.sleep(args.sample)
            heap = None
            if args.gcdump and (time.time() >= next_heap or time.time() + args.sample >= deadline):
                heap = live_heap(args.gcdump, args.pid, args.out, round(time.time() - start))
                next_heap += args.heap_every
            rss, thread_count = proc_status(args.pid)
            fds = len(os.listdir("/proc/%d/fd" % args.pid))
            with lock:
                row = [round(time.time() - start), round(rss / 1048576, 1), fds, thread_count,
                       "" if heap is None else round(heap / 1048576, 1), stats["ops"], round(stats["bytes"] / 2**30, 2),
                       stats["data_errors"], stats["disconnects"], stats["idle_lost"]]
            writer.writerow(row)
            f.flush()
            print(" ".join(str(v) for v in row), flush=True)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    summarize(args)
    sys.exit(1 if stats["data_errors"] or stats["disconnects"] or stats["idle_lost"] else 0)


def summarize(args):
    path = os.path.join(args.out, "samples.csv")
    with open(path) as f:
        rows = list(csv.DictReader(f))
    warm = [r for r in rows if int(r["seconds"]) >= min(300, int(rows[-1]["seconds"]) // 3)]

    def slope(key):
        """Least-squares growth per 10 minutes after warm-up."""
        points = [(int(r["seconds"]), float(r[key])) for r in warm if r[key] != ""]
        if len(points) < 2:
            return float("nan")
        n = len(points)
        mx = sum(p[0] for p in points) / n
        my = sum(p[1] for p in points) / n
        sxx = sum((p[0] - mx) ** 2 for p in points)
        return 600 * sum((p[0] - mx) * (p[1] - my) for p in points) / sxx if sxx else 0.0

    lines = ["# Soak: %g min, %d idle sessions, %d transfer loops" % (args.minutes, args.idle, args.workers), "",
             "Live heap: what survives a full collection forced by dotnet-gcdump (measured every %g s; RSS right after it "
             "is what the server holds, between them the runtime lets garbage grow)." % args.heap_every, "",
             "| time (s) | RSS (MiB) | descriptors | threads | live GC heap (MiB) | transfers checked | GiB moved |",
             "|---|---|---|---|---|---|---|"]
    step = max(1, len(rows) // 12)
    shown = [r for i, r in enumerate(rows) if i % step == 0 or r["gc_heap_mib"] or i == len(rows) - 1]
    for r in shown:
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (r["seconds"], r["rss_mib"], r["fds"], r["threads"], r["gc_heap_mib"] or "-",
                                                             r["ops"], r["gib_moved"]))
    lines += ["", "After warm-up (from %s s), growth per 10 minutes (least squares): RSS %.1f MiB, descriptors %.1f, threads %.1f, "
              "live GC heap %.1f MiB." % (warm[0]["seconds"], slope("rss_mib"), slope("fds"), slope("threads"), slope("gc_heap_mib")),
              "", "Data errors: %d. Unexpected disconnects: %d (transfer loops), %d (idle sessions)."
              % (stats["data_errors"], stats["disconnects"], stats["idle_lost"])]
    if errors:
        lines += ["", "First problems:"] + ["- " + e for e in errors]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
