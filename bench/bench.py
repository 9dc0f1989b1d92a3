#!/usr/bin/python3
"""FTP, FTPS and SSH cases, each server in turn, median of N runs; prints tables with MultiXfer / peer ratios."""
import argparse, os, re, shutil, statistics, subprocess, time

SERVERS = [("MultiXfer", 2124, "multixfer-bench.json"), ("vsftpd", 2123, "vsftpd.conf"), ("ProFTPD", 2121, "proftpd")]
AUTH = "bench:benchpass"
WORK = os.environ.get("BENCH_WORK", "/tmp/xferbench")
HERE = os.path.dirname(os.path.abspath(__file__))


def timed(command, before=None):
    if before:
        before()
    # Every sample starts with no dirty pages left by the one before (1 GiB uploads leave plenty).
    subprocess.run(["sync"], check=True)
    start = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.monotonic() - start


def url(port, path):
    return f"ftp://{AUTH}@127.0.0.1:{port}/{path}"


def case_retr(name, port):
    return timed(["curl", "-sS", "-o", "/dev/null", url(port, "data/1g.bin")])


def case_stor(name, port):
    target = f"/srv/bench/upload/{name}-1g.bin"

    def clean():
        if os.path.exists(target):
            os.remove(target)

    seconds = timed(["curl", "-sS", "-T", "/srv/bench/data/1g.bin", url(port, f"upload/{name}-1g.bin")], clean)
    assert os.path.getsize(target) == 1 << 30, "upload incomplete"
    return seconds


def case_mirror(name, port):
    local = os.path.join(WORK, f"mirror-{name}")

    def clean():
        shutil.rmtree(local, ignore_errors=True)

    seconds = timed(["lftp", "-u", "bench,benchpass", "-e",
                     f"set ftp:ssl-allow no; set cmd:fail-exit yes; mirror data/small {local}; quit",
                     f"ftp://127.0.0.1:{port}"], clean)
    assert len(os.listdir(local)) == 1000, "mirror incomplete"
    return seconds


def case_logins(name, port):
    start = time.monotonic()
    for _ in range(20):
        subprocess.run(["curl", "-sS", "-o", "/dev/null", url(port, "data/")], check=True)
    return time.monotonic() - start


def case_ftps_retr(name, port):
    return timed(["curl", "-sS", "--ssl-reqd", "--insecure", "-o", "/dev/null", url(port, "data/1g.bin")])


def case_ftps_stor(name, port):
    target = f"/srv/bench/upload/{name}-tls-1g.bin"

    def clean():
        if os.path.exists(target):
            os.remove(target)

    seconds = timed(["curl", "-sS", "--ssl-reqd", "--insecure", "-T", "/srv/bench/data/1g.bin", url(port, f"upload/{name}-tls-1g.bin")], clean)
    assert os.path.getsize(target) == 1 << 30, "upload incomplete"
    return seconds


SSH_SERVERS = [("MultiXfer", 2223, "multixfer-echo"), ("OpenSSH", 2222, "sftp"), ("ProFTPD", 2022, "sftp")]
SSH_OPTIONS = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
               "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-i", os.path.join(WORK, "id_ed25519"), "-l", "bench"]


def ssh_login_case(subsystem):
    """20 key logins, each starting a subsystem and ending at once (stdin is empty): login cost, not data."""
    def case(name, port):
        start = time.monotonic()
        for _ in range(20):
            subprocess.run(["ssh", *SSH_OPTIONS, "-p", str(port), "-s", "127.0.0.1", subsystem[name]], check=True,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return time.monotonic() - start
    return case


def ssh_echo_case(cipher, mac):
    """1 GiB through a channel that echoes it back (multixfer-echo; cat on sshd): transport and channel throughput."""
    def case(name, port):
        remote = ["-s", "127.0.0.1", "multixfer-echo"] if name == "MultiXfer" else ["127.0.0.1", "cat"]
        options = ["-o", f"Ciphers={cipher}"] + (["-o", f"MACs={mac}"] if mac else [])
        with open("/srv/bench/data/1g.bin", "rb") as source:
            subprocess.run(["sync"], check=True)
            start = time.monotonic()
            result = subprocess.run(["ssh", *SSH_OPTIONS, *options, "-p", str(port), *remote], check=True, stdin=source,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            seconds = time.monotonic() - start
        assert len(result.stdout) == 1 << 30, f"echo returned {len(result.stdout)} bytes"
        return seconds
    return case


def idle_memory(name, port, pattern):
    out = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "peers", "idle_conns.py"), "ftp", str(port), "200", pattern],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"per_session_kib=(-?\d+)", out).group(1))


CASES = [
    ("FTP RETR 1 GiB (curl)", case_retr, "s"),
    ("FTP STOR 1 GiB (curl -T)", case_stor, "s"),
    ("lftp mirror 1000 x 4 KiB", case_mirror, "s"),
    ("20 sequential logins + LIST (curl), password cache on (default)", case_logins, "s"),
]


def measure(case, servers, runs):
    """Median per server; the order rotates each repetition so no server always runs right after another's load."""
    samples = {name: [] for name, _ in servers}
    for repetition in range(runs):
        shift = repetition % len(servers)
        for name, port in servers[shift:] + servers[:shift]:
            samples[name].append(case(name, port))
    return {name: statistics.median(values) for name, values in samples.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    rows = []
    for title, case, unit in CASES:
        rows.append((title, measure(case, [(n, p) for n, p, _ in SERVERS], runs), unit))
    uncached = dict(rows[-1][1])
    uncached["MultiXfer"] = statistics.median([case_logins("MultiXfer", 2125) for _ in range(runs)])
    rows.append(("20 sequential logins + LIST, MultiXfer password cache off", uncached, "s"))
    memory = {name: idle_memory(name, port, pattern) for name, port, pattern in SERVERS}
    rows.append(("idle logged-in session, server memory", memory, "KiB"))

    # FTPS: ProFTPD mod_tls is the peer (the shared vsftpd configuration has no TLS).
    tls_rows = []
    tls_servers = [(n, p) for n, p, _ in SERVERS if n != "vsftpd"]
    for title, case in [("FTPS PROT P RETR 1 GiB (curl --ssl-reqd)", case_ftps_retr), ("FTPS PROT P STOR 1 GiB (curl --ssl-reqd -T)", case_ftps_stor)]:
        tls_rows.append((title, measure(case, tls_servers, runs)))

    print(f"\nmedian of {runs} runs, loopback, {os.cpu_count()} cores")
    print(f"| case | MultiXfer | vsftpd | ProFTPD | MultiXfer / best peer |")
    print(f"|---|---|---|---|---|")
    for title, results, unit in rows:
        best = min(results["vsftpd"], results["ProFTPD"])
        fmt = (lambda v: f"{v:.2f} s") if unit == "s" else (lambda v: f"{v:.0f} KiB")
        ratio = results["MultiXfer"] / best if best > 0 else float("nan")
        print(f"| {title} | {fmt(results['MultiXfer'])} | {fmt(results['vsftpd'])} | {fmt(results['ProFTPD'])} | {ratio:.2f} |")
    print()
    print("| case | MultiXfer | ProFTPD | MultiXfer / ProFTPD |")
    print("|---|---|---|---|")
    for title, results in tls_rows:
        print(f"| {title} | {results['MultiXfer']:.2f} s | {results['ProFTPD']:.2f} s | {results['MultiXfer'] / results['ProFTPD']:.2f} |")

    # SSH: OpenSSH sshd is the peer (ProFTPD mod_sftp for logins too); the echo cases run cat on sshd.
    subsystems = {name: subsystem for name, _, subsystem in SSH_SERVERS}
    logins = measure(ssh_login_case(subsystems), [(n, p) for n, p, _ in SSH_SERVERS], runs)
    print()
    print("| case | MultiXfer | OpenSSH | ProFTPD mod_sftp | MultiXfer / OpenSSH |")
    print("|---|---|---|---|---|")
    print(f"| 20 sequential SSH logins, ed25519 key | {logins['MultiXfer']:.2f} s | {logins['OpenSSH']:.2f} s | "
          f"{logins['ProFTPD']:.2f} s | {logins['MultiXfer'] / logins['OpenSSH']:.2f} |")
    echo_servers = [(n, p) for n, p, _ in SSH_SERVERS if n != "ProFTPD"]
    for cipher, mac in [("chacha20-poly1305@openssh.com", None), ("aes128-gcm@openssh.com", None),
                        ("aes256-ctr", "hmac-sha2-256-etm@openssh.com")]:
        results = measure(ssh_echo_case(cipher, mac), echo_servers, runs)
        label = cipher + (f" + {mac}" if mac else "")
        print(f"| 1 GiB echoed through a channel, {label} | {results['MultiXfer']:.2f} s | {results['OpenSSH']:.2f} s | - | "
              f"{results['MultiXfer'] / results['OpenSSH']:.2f} |")


if __name__ == "__main__":
    main()
