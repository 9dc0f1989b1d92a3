#!/usr/bin/python3
"""FTP, FTPS, SSH and SFTP cases, each server in turn, median of N runs; prints tables with MultiXfer / peer ratios.
A case that fails on one server prints "fail" in that cell (and the first line of the error on stderr, once)."""
import argparse, ftplib, functools, glob, gzip, hashlib, io, json, os, re, shutil, socket, statistics, struct, subprocess, sys, \
    threading, time, zlib

SERVERS = [("MultiXfer", 2124), ("vsftpd", 2123), ("ProFTPD", 2121)]
AUTH = "bench:benchpass"
WORK = os.environ.get("BENCH_WORK", "/tmp/xferbench")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "peers"))
from idle_conns import pss_of  # noqa: E402  (PSS of a process tree, as the idle-memory cases read it)


# Generous bound on one sample, so a server that stalls fails its cell instead of hanging the run.
TIMEOUT = 300


def timed(command, before=None):
    if before:
        before()
    # Every sample starts with no dirty pages left by the one before (1 GiB uploads leave plenty).
    subprocess.run(["sync"], check=True)
    start = time.monotonic()
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   timeout=TIMEOUT)
    return time.monotonic() - start


def listener_pid(port):
    """PID of the process listening on 127.0.0.1:port (a forking server's master)."""
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], check=True, capture_output=True, text=True).stdout
    found = re.search(r"pid=(\d+)", out)
    if not found:
        raise RuntimeError(f"nothing listens on port {port}")
    return int(found.group(1))


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

    # lftp sends MODE Z whenever FEAT offers it (ftp:use-mode-z defaults to yes), as MultiXfer's FEAT and ProFTPD's
    # with mod_deflate loaded (the ftpext group) now do: the mirror rows stay plain transfers, for every server.
    seconds = timed(["lftp", "-u", "bench,benchpass", "-e",
                     f"set ftp:ssl-allow no; set ftp:use-mode-z no; set cmd:fail-exit yes; set net:max-retries 1; "
                     f"mirror data/small {local}; quit",
                     f"ftp://127.0.0.1:{port}"], clean)
    assert len(os.listdir(local)) == 1000, "mirror incomplete"
    return seconds


def case_logins(name, port):
    start = time.monotonic()
    for _ in range(20):
        subprocess.run(["curl", "-sS", "-o", "/dev/null", url(port, "data/")], check=True, stderr=subprocess.PIPE, timeout=TIMEOUT)
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
KEY = os.path.join(WORK, "id_ed25519")
SSH_KEY_OPTIONS = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                   "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-i", KEY]
# User as an option rather than -l, which sftp does not take.
SSH_OPTIONS = SSH_KEY_OPTIONS + ["-o", "User=bench"]


def ssh_login_case(subsystem):
    """20 key logins, each starting a subsystem and ending at once (stdin is empty): login cost, not data."""
    def case(name, port):
        start = time.monotonic()
        for _ in range(20):
            subprocess.run(["ssh", *SSH_OPTIONS, "-p", str(port), "-s", "127.0.0.1", subsystem[name]], check=True,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT)
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
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
            seconds = time.monotonic() - start
        assert len(result.stdout) == 1 << 30, f"echo returned {len(result.stdout)} bytes"
        return seconds
    return case


def idle_memory(kind, sessions):
    """PSS growth per logged-in idle session of the process listening on the port and its descendants (per-session
    children of forking servers), so neither the other MultiXfer instance nor the client itself is counted."""
    def case(name, port):
        out = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "peers", "idle_conns.py"), kind, str(port), str(sessions),
                              f"tree:{listener_pid(port)}"], check=True, capture_output=True, text=True, timeout=TIMEOUT).stdout
        return float(re.search(r"per_session_kib=(-?\d+)", out).group(1))
    return case


def sftp_batch(name, port, label, commands, cipher=None):
    """OpenSSH sftp in batch mode (-b FILE): any failing command fails the sample."""
    batch = os.path.join(WORK, f"sftp-{name}-{label}.batch")
    with open(batch, "w") as f:
        f.write("".join(line + "\n" for line in commands))
    return ["sftp", *SSH_OPTIONS, *(["-o", f"Ciphers={cipher}"] if cipher else []), "-P", str(port), "-b", batch, "127.0.0.1"]


class Unsupported(Exception):
    """The server does not offer what the case needs: "n/a" in its cell rather than "fail"."""


@functools.lru_cache(maxsize=None)
def offered_ciphers(port):
    """Client-to-server ciphers in the server's KEXINIT (sent in clear after the identification lines), or None.
    Asked once per port and run."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(b"SSH-2.0-xferbench-probe\r\n")
            stream = connection.makefile("rb")
            for _ in range(50):
                line = stream.readline()
                if not line or line.startswith(b"SSH-"):
                    break
            if not line.startswith(b"SSH-"):
                return None
            length, _ = struct.unpack(">IB", stream.read(5))
            payload = stream.read(length - 1)
            offset = 17  # message number and cookie
            lists = []
            for _ in range(3):  # kex, host key, then encryption client to server
                size = struct.unpack(">I", payload[offset:offset + 4])[0]
                lists.append(payload[offset + 4:offset + 4 + size].decode())
                offset += 4 + size
            return lists[2].split(",") if payload[0] == 20 else None
    except (OSError, struct.error, UnicodeDecodeError):
        return None


def require_cipher(port, cipher):
    offered = offered_ciphers(port)
    if cipher and offered is not None and cipher not in offered:
        raise Unsupported(f"server does not offer {cipher} (offers {','.join(offered)})")


def sftp_get_case(cipher):
    def case(name, port):
        require_cipher(port, cipher)
        return timed(sftp_batch(name, port, "get", ["get data/1g.bin /dev/null"], cipher))
    return case


def sftp_put_case(cipher):
    def case(name, port):
        require_cipher(port, cipher)
        target = f"/srv/bench/upload/{name}-sftp-1g.bin"

        def clean():
            if os.path.exists(target):
                os.remove(target)

        seconds = timed(sftp_batch(name, port, "put", [f"put /srv/bench/data/1g.bin upload/{name}-sftp-1g.bin"], cipher), clean)
        assert os.path.getsize(target) == 1 << 30, f"upload has {os.path.getsize(target)} bytes"
        return seconds
    return case


def scp_get_case(name, port):
    return timed(["scp", "-O", *SSH_OPTIONS, "-P", str(port), "127.0.0.1:data/1g.bin", "/dev/null"])


def scp_put_case(name, port):
    target = f"/srv/bench/upload/{name}-scp-1g.bin"

    def clean():
        if os.path.exists(target):
            os.remove(target)

    seconds = timed(["scp", "-O", *SSH_OPTIONS, "-P", str(port), "/srv/bench/data/1g.bin", f"127.0.0.1:upload/{name}-scp-1g.bin"], clean)
    assert os.path.getsize(target) == 1 << 30, f"upload has {os.path.getsize(target)} bytes"
    return seconds


def small_files_case(run):
    """1000 x 4 KiB from data/small into a fresh local folder, counted after."""
    def case(name, port):
        local = os.path.join(WORK, f"small-{name}")
        seconds = timed(run(name, port, local), lambda: shutil.rmtree(local, ignore_errors=True))
        count = len(os.listdir(local)) if os.path.isdir(local) else 0
        assert count == 1000, f"{count} files arrived"
        return seconds
    return case


def lftp_sftp(name, port, local):
    # lftp runs ssh itself; the key does the authentication, the password given to lftp is never asked for.
    connect = " ".join(["ssh", "-a", "-x", *SSH_KEY_OPTIONS])
    return ["lftp", "-u", "bench,x", "-e", f"set sftp:connect-program \"{connect}\"; set cmd:fail-exit yes; set net:max-retries 1; "
            f"mirror data/small {local}; quit", f"sftp://127.0.0.1:{port}"]


def sftp_get_r(name, port, local):
    return sftp_batch(name, port, "get-r", [f"get -r data/small {local}"])


CASES = [
    ("FTP RETR 1 GiB (curl)", case_retr, "s"),
    ("FTP STOR 1 GiB (curl -T)", case_stor, "s"),
    ("lftp mirror 1000 x 4 KiB", case_mirror, "s"),
    ("20 sequential logins + LIST (curl), password cache on (default)", case_logins, "s"),
]


def failure_text(error):
    if isinstance(error, subprocess.CalledProcessError):
        stderr = error.stderr.decode(errors="replace") if isinstance(error.stderr, bytes) else (error.stderr or "")
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        return lines[0] if lines else f"{error.cmd[0]} exited with status {error.returncode}"
    if isinstance(error, subprocess.TimeoutExpired):
        return f"{error.cmd[0]} timed out after {error.timeout:.0f} s"
    return f"{type(error).__name__}: {error}"


def measure(case, servers, runs, title):
    """Median per server; the order rotates each repetition so no server always runs right after another's load.
    A server whose sample fails gets None ("fail") for the case and is not tried again in it; the error goes to stderr.
    One that lacks what the case needs (Unsupported) gets "n/a"."""
    samples = {name: [] for name, _ in servers}
    failed, unsupported = set(), set()
    for repetition in range(runs):
        shift = repetition % len(servers)
        for name, port in servers[shift:] + servers[:shift]:
            if name in failed:
                continue
            try:
                samples[name].append(case(name, port))
                if os.environ.get("BENCH_SAMPLES"):
                    print(f"[{title}] {name} sample {repetition + 1}: {samples[name][-1]}", file=sys.stderr, flush=True)
            except Unsupported as error:
                failed.add(name)
                unsupported.add(name)
                print(f"[{title}] {name} n/a: {error}", file=sys.stderr, flush=True)
            except Exception as error:
                failed.add(name)
                print(f"[{title}] {name} failed: {failure_text(error)}", file=sys.stderr, flush=True)
    return {name: ("n/a" if name in unsupported else None) if name in failed else median(values) for name, values in samples.items()}


def median(values):
    """The median of numbers, or of tuples component by component (a case that measures time and CPU)."""
    if values and isinstance(values[0], tuple):
        return tuple(statistics.median(component) for component in zip(*values))
    return statistics.median(values)


def cell(value, unit="s"):
    if value is None:
        return "fail"
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return f"{value[0]:.2f} s ({value[1]:.2f} s CPU)"
    if unit == "ms":
        return f"{value:.1f} ms"
    return f"{value:.2f} s" if unit == "s" else f"{value:.0f} KiB"


def ratio(value, peers):
    """MultiXfer over the best (lowest) peer that did not fail; for cases measured with_cpu, "time / CPU" ratios."""
    if isinstance(value, tuple):
        usable = [peer for peer in peers if isinstance(peer, tuple)]
        return " / ".join(ratio(value[i], [peer[i] for peer in usable]) for i in range(len(value))) if usable else "-"
    usable = [peer for peer in peers if isinstance(peer, float)]
    if not isinstance(value, float) or not usable:
        return "-"
    best = min(usable)
    return f"{value / best:.2f}" if best > 0 else "-"


def with_cpu(case):
    """CASE measured as (seconds, server CPU seconds): the listening process and every process it forks (server_cpu),
    so a forking peer's per-session processes count as MultiXfer's threads do. For the 1 GiB cases the CPU figure is
    CPU seconds per GiB."""
    def measured(name, port):
        pid = listener_pid(port)
        before = server_cpu(pid)
        result = case(name, port)
        time.sleep(0.5)  # the session's processes end
        cpu = server_cpu(pid) - before
        # A case that returns (seconds, other figures...) gets the CPU after them.
        return (*result, cpu) if isinstance(result, tuple) else (result, cpu)
    return measured


GROUPS = ["ftp", "ftps", "auth", "ssh", "kex", "sftp", "scp", "uploads", "frontend", "limits", "observability", "observability-small",
          "sessions", "ftpext"]


def ftp_group(runs):
    servers = SERVERS
    rows = []
    for title, case, unit in CASES:
        rows.append((title, measure(with_cpu(case), servers, runs, title), unit))
    uncached = dict(rows[-1][1])
    title = "20 sequential logins + LIST, MultiXfer password cache off"
    uncached.update(measure(with_cpu(case_logins), [("MultiXfer", 2125)], runs, title))
    rows.append((title, uncached, "s"))
    title = "idle logged-in session, server memory"
    rows.append((title, measure(idle_memory("ftp", 200), servers, 1, title), "KiB"))
    print("time (server CPU); the ratio is time / CPU, MultiXfer over the best peer (for memory, one figure)")
    print(f"| case | MultiXfer | vsftpd | ProFTPD | MultiXfer / best peer |")
    print(f"|---|---|---|---|---|")
    for title, results, unit in rows:
        print(f"| {title} | {cell(results['MultiXfer'], unit)} | {cell(results['vsftpd'], unit)} | {cell(results['ProFTPD'], unit)} | "
              f"{ratio(results['MultiXfer'], [results['vsftpd'], results['ProFTPD']])} |")


def ftps_group(runs):
    # ProFTPD mod_tls is the peer (the shared vsftpd configuration has no TLS).
    tls_servers = [(n, p) for n, p in SERVERS if n != "vsftpd"]
    print("| case | MultiXfer | ProFTPD | MultiXfer / ProFTPD (time / CPU) |")
    print("|---|---|---|---|")
    for title, case in [("FTPS PROT P RETR 1 GiB (curl --ssl-reqd)", case_ftps_retr), ("FTPS PROT P STOR 1 GiB (curl --ssl-reqd -T)", case_ftps_stor)]:
        results = measure(with_cpu(case), tls_servers, runs, title)
        print(f"| {title} | {cell(results['MultiXfer'])} | {cell(results['ProFTPD'])} | {ratio(results['MultiXfer'], [results['ProFTPD']])} |")


# The MultiXfer instance with the password cache off (bench/run.sh): every login pays its hash. User "bench" has the
# default Argon2id hash, "benchpbkdf2" a PBKDF2-SHA512 one (210,000 iterations); vsftpd and ProFTPD check the system
# account's /etc/shadow hash (yescrypt on Debian 12) through PAM.
PASSWORD_SERVERS = [("MultiXfer", 2125), ("vsftpd", 2123), ("ProFTPD", 2121)]


def ftp_logins_case(user):
    """KEX_LOGINS sequential curl logins as USER, each listing data/ (one login, one LIST)."""
    def case(name, port):
        start = time.monotonic()
        for _ in range(KEX_LOGINS):
            subprocess.run(["curl", "-sS", "-o", "/dev/null", f"ftp://{user}:benchpass@127.0.0.1:{port}/data/"], check=True,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
        return time.monotonic() - start
    return case


def ssh_password_logins_case(subsystems):
    """KEX_LOGINS sequential SSH password logins as bench (through SSH_ASKPASS), each starting a subsystem that ends
    at once: the hash's cost over SSH. OpenSSH checks /etc/shadow's yescrypt hash (PasswordAuthentication, no PAM)."""
    askpass = os.path.join(WORK, "askpass-benchpass")
    with open(askpass, "w") as script:
        script.write("#!/bin/sh\necho benchpass\n")
    os.chmod(askpass, 0o700)
    environment = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
    options = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
               "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1", "-l", "bench"]

    def case(name, port):
        start = time.monotonic()
        for _ in range(KEX_LOGINS):
            subprocess.run(["ssh", *options, "-p", str(port), "-s", "127.0.0.1", subsystems[name]], check=True, env=environment,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT)
        return time.monotonic() - start
    return case


def auth_group(runs):
    print("| case | MultiXfer | vsftpd | ProFTPD | MultiXfer / best peer |")
    print("|---|---|---|---|---|")
    for label, user, servers in [("Argon2id (default)", "bench", PASSWORD_SERVERS),
                                 ("Argon2id, stored account (SQLite, last login recorded)", "benchstored", PASSWORD_SERVERS[:1]),
                                 ("PBKDF2-SHA512 210,000 iterations", "benchpbkdf2", PASSWORD_SERVERS[:1])]:
        for title, case, unit in [(f"{KEX_LOGINS} sequential FTP logins + LIST, no password cache, MultiXfer hash {label}",
                                   ftp_logins_case(user), "s"),
                                  (f"server CPU per password login, MultiXfer hash {label}", cpu_per_login(ftp_logins_case(user)), "ms")]:
            results = measure(case, servers, runs, title)
            peers = [cell(results[peer], unit) if peer in results else "-" for peer in ("vsftpd", "ProFTPD")]
            print(f"| {title} | {cell(results['MultiXfer'], unit)} | {peers[0]} | {peers[1]} | "
                  f"{ratio(results['MultiXfer'], [results.get('vsftpd'), results.get('ProFTPD')])} |", flush=True)
    # Over SSH against OpenSSH sshd (the MultiXfer instance without the password cache listens for SSH on 2224).
    print()
    print("| case | MultiXfer | OpenSSH | MultiXfer / OpenSSH |")
    print("|---|---|---|---|")
    servers = [("MultiXfer", 2224), ("OpenSSH", 2222)]
    case = ssh_password_logins_case({"MultiXfer": "multixfer-echo", "OpenSSH": "sftp"})
    for title, measured, unit in [(f"{KEX_LOGINS} sequential SSH password logins, no password cache, MultiXfer hash Argon2id", case, "s"),
                                  ("server CPU per SSH password login (key exchange included)", cpu_per_login(case), "ms")]:
        results = measure(measured, servers, runs, title)
        print(f"| {title} | {cell(results['MultiXfer'], unit)} | {cell(results['OpenSSH'], unit)} | "
              f"{ratio(results['MultiXfer'], [results.get('OpenSSH')])} |", flush=True)


def ssh_group(runs):
    # OpenSSH sshd is the peer (ProFTPD mod_sftp for logins too); the echo cases run cat on sshd.
    subsystems = {name: subsystem for name, _, subsystem in SSH_SERVERS}
    title = "20 sequential SSH logins, ed25519 key"
    logins = measure(with_cpu(ssh_login_case(subsystems)), [(n, p) for n, p, _ in SSH_SERVERS], runs, title)
    print("| case | MultiXfer | OpenSSH | ProFTPD mod_sftp | MultiXfer / OpenSSH (time / CPU) |")
    print("|---|---|---|---|---|")
    print(f"| {title} | {cell(logins['MultiXfer'])} | {cell(logins['OpenSSH'])} | {cell(logins['ProFTPD'])} | "
          f"{ratio(logins['MultiXfer'], [logins['OpenSSH']])} |")
    echo_servers = [(n, p) for n, p, _ in SSH_SERVERS if n != "ProFTPD"]
    for cipher, mac in [("chacha20-poly1305@openssh.com", None), ("aes128-gcm@openssh.com", None),
                        ("aes256-ctr", "hmac-sha2-256-etm@openssh.com")]:
        label = cipher + (f" + {mac}" if mac else "")
        title = f"1 GiB echoed through a channel, {label}"
        results = measure(with_cpu(ssh_echo_case(cipher, mac)), echo_servers, runs, title)
        print(f"| {title} | {cell(results['MultiXfer'])} | {cell(results['OpenSSH'])} | - | "
              f"{ratio(results['MultiXfer'], [results['OpenSSH']])} |")


KEX_SERVERS = [("MultiXfer", 2223), ("OpenSSH", 2222)]
# OpenSSH 9.2's client offers sntrup761x25519-sha512@openssh.com first; it has no mlkem768x25519-sha256.
KEX_METHODS = [("client default: sntrup761x25519-sha512@openssh.com", None), ("curve25519-sha256", "curve25519-sha256")]
KEX_LOGINS = 20
KEX_PARALLEL = 8


# A key authorized nowhere, with a certificate from the CA both servers trust (bench/peers/setup.sh): only the
# certificate can log it in.
CERT_KEY = os.path.join(WORK, "cert", "id_cert")


def kex_logins_case(kex, clients, key=KEY):
    """CLIENTS ssh processes at a time, each doing KEX_LOGINS key logins one after another (subsystem, empty stdin);
    wall time until the last ends. KEY replaces the client key (CERT_KEY logs in by its certificate)."""
    def case(name, port):
        options = ["-o", f"KexAlgorithms={kex}"] if kex else []
        remote = ["-s", "127.0.0.1", "multixfer-echo" if name == "MultiXfer" else "sftp"]
        errors = []

        def client():
            try:
                for _ in range(KEX_LOGINS):
                    subprocess.run(["ssh", *[key if o == KEY else o for o in SSH_OPTIONS], *options, "-p", str(port), *remote],
                                   check=True, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT)
            except Exception as error:  # reported after the others finish
                errors.append(error)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return time.monotonic() - start
    return case


def cpu_seconds(pid):
    """User + system CPU of a process and of the children it has reaped (sshd's per-connection processes)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def cpu_per_login(run):
    """Server CPU per login in ms around RUN's KEX_LOGINS logins: the listening process and its reaped children."""
    def case(name, port):
        pid = listener_pid(port)
        before = cpu_seconds(pid)
        run(name, port)
        time.sleep(0.5)  # let the last session's process be reaped
        return (cpu_seconds(pid) - before) * 1000 / KEX_LOGINS
    return case


SSHNET_LOGINS = os.path.join(HERE, "SshNetLogins", "bin", "Release", "net10.0", "SshNetLogins.dll")
# SSH.NET offers all three hybrids; OpenSSH 9.2's sshd has no mlkem768x25519-sha256.
SSHNET_KEX = ["mlkem768x25519-sha256", "sntrup761x25519-sha512@openssh.com", "curve25519-sha256"]


def sshnet_logins_case(kex):
    """KEX_LOGINS sequential SSH.NET key logins offering only KEX."""
    def case(name, port):
        if name == "OpenSSH" and kex.startswith("mlkem"):
            raise Unsupported("OpenSSH 9.2 has no mlkem768x25519-sha256")
        subprocess.run(["dotnet", SSHNET_LOGINS, str(port), "bench", KEY, kex, str(KEX_LOGINS)], check=True, capture_output=True,
                       timeout=TIMEOUT)
    return case


def kex_group(runs):
    def row(title, case, unit="s"):
        results = measure(case, KEX_SERVERS, runs, title)
        print(f"| {title} | {cell(results['MultiXfer'], unit)} | {cell(results['OpenSSH'], unit)} | "
              f"{ratio(results['MultiXfer'], [results['OpenSSH']])} |", flush=True)

    print("| case | MultiXfer | OpenSSH | MultiXfer / OpenSSH |")
    print("|---|---|---|---|")
    for label, kex in KEX_METHODS:
        for clients in (1, KEX_PARALLEL):
            parallel = f" x {clients} clients in parallel" if clients > 1 else ""
            row(f"{KEX_LOGINS} sequential SSH logins{parallel}, {label}", kex_logins_case(kex, clients))
        row(f"server CPU per login, {label}", cpu_per_login(kex_logins_case(kex, 1)), "ms")
    for kex in SSHNET_KEX:
        row(f"server CPU per login, SSH.NET client, {kex}", cpu_per_login(sshnet_logins_case(kex)), "ms")
    row(f"{KEX_LOGINS} sequential SSH logins by user certificate (ed25519 CA), client default", kex_logins_case(None, 1, CERT_KEY))
    row("server CPU per login, user certificate", cpu_per_login(kex_logins_case(None, 1, CERT_KEY)), "ms")


SFTP_SERVERS = [("MultiXfer", 2223), ("OpenSSH", 2222), ("ProFTPD", 2022)]
SFTP_CIPHERS = ["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com"]


def sftp_group(runs):
    # The "sftp" subsystem of each server (sftp-server under sshd, mod_sftp, MultiXfer's own); home is /srv/bench on all three.
    cases = [(f"SFTP get 1 GiB (sftp -b), {cipher}", sftp_get_case(cipher), "s") for cipher in SFTP_CIPHERS]
    cases += [(f"SFTP put 1 GiB (sftp -b), {cipher}", sftp_put_case(cipher), "s") for cipher in SFTP_CIPHERS]
    cases += [("lftp mirror 1000 x 4 KiB over SFTP", small_files_case(lftp_sftp), "s"),
              ("sftp get -r 1000 x 4 KiB", small_files_case(sftp_get_r), "s"),
              ("idle SFTP session (50, paramiko), server memory", idle_memory("sftp", 50), "KiB")]
    print("| case | MultiXfer | OpenSSH | ProFTPD mod_sftp | MultiXfer / best peer (time / CPU) |")
    print("|---|---|---|---|---|")
    for title, case, unit in cases:
        results = measure(with_cpu(case) if unit == "s" else case, SFTP_SERVERS, runs if unit == "s" else 1, title)
        print(f"| {title} | {cell(results['MultiXfer'], unit)} | {cell(results['OpenSSH'], unit)} | {cell(results['ProFTPD'], unit)} | "
              f"{ratio(results['MultiXfer'], [results['OpenSSH'], results['ProFTPD']])} |", flush=True)


def scp_group(runs):
    # The legacy protocol (scp -O, client default cipher chacha20-poly1305): scp on sshd, mod_sftp's SCP, MultiXfer's own.
    print("| case | MultiXfer | OpenSSH | ProFTPD mod_sftp | MultiXfer / best peer (time / CPU) |")
    print("|---|---|---|---|---|")
    for title, case in [("scp -O get 1 GiB", scp_get_case), ("scp -O put 1 GiB", scp_put_case)]:
        results = measure(with_cpu(case), SFTP_SERVERS, runs, title)
        print(f"| {title} | {cell(results['MultiXfer'])} | {cell(results['OpenSSH'])} | {cell(results['ProFTPD'])} | "
              f"{ratio(results['MultiXfer'], [results['OpenSSH'], results['ProFTPD']])} |", flush=True)


# "uploads" (issue 19): every upload path to a new name and over an existing file of the same name and size (what a
# user re-uploading does; MultiXfer's crash-safe upload then holds the old file's blocks and the new one's at once),
# each with the server's CPU per GiB (server_cpu).
CPUACCT = "/sys/fs/cgroup/cpuacct"


def server_cpu(pid):
    """CPU seconds of the server listening as PID and of every process it forks from now on, running or ended: the
    first call moves the listener into a cpuacct cgroup of its own (cgroup v1), which its forks inherit. sshd's
    per-session processes are not all reaped into the listener's own figures in /proc (an sftp put showed 0.02 s
    there), so those would miss a forking peer's work. Without cpuacct, /proc is the fallback."""
    group = os.path.join(CPUACCT, f"xferbench-{pid}")
    if not os.path.isdir(CPUACCT):
        return cpu_seconds(pid)
    if not os.path.isdir(group):
        os.mkdir(group)
        with open(os.path.join(group, "cgroup.procs"), "w") as procs:
            procs.write(str(pid))
    with open(os.path.join(group, "cpuacct.usage")) as usage:
        return int(usage.read()) / 1e9


def upload_case(command, existing):
    """1 GiB by COMMAND(name, port, remote name) into upload/; returns (seconds, server CPU seconds)."""
    def case(name, port):
        remote = f"{name}-{'over' if existing else 'new'}-1g.bin"
        target = f"/srv/bench/upload/{remote}"

        def prepare():
            if not existing:
                if os.path.exists(target):
                    os.remove(target)
            elif not (os.path.exists(target) and os.path.getsize(target) == 1 << 30):
                shutil.copyfile("/srv/bench/data/1g.bin", target)
                shutil.chown(target, "bench", "bench")

        pid = listener_pid(port)
        prepare()
        subprocess.run(["sync"], check=True)
        before = server_cpu(pid)
        seconds = timed(command(name, port, remote))
        time.sleep(0.5)  # the session's processes end
        cpu = server_cpu(pid) - before
        assert os.path.getsize(target) == 1 << 30, f"upload has {os.path.getsize(target)} bytes"
        return seconds, cpu
    return case


def curl_stor(*options):
    return lambda name, port, remote: ["curl", "-sS", *options, "-T", "/srv/bench/data/1g.bin", url(port, f"upload/{remote}")]


def sftp_put(cipher):
    def command(name, port, remote):
        require_cipher(port, cipher)
        return sftp_batch(name, port, f"put-{remote}", [f"put /srv/bench/data/1g.bin upload/{remote}"], cipher)
    return command


def scp_put(name, port, remote):
    return ["scp", "-O", *SSH_OPTIONS, "-P", str(port), "/srv/bench/data/1g.bin", f"127.0.0.1:upload/{remote}"]


def uploads_group(runs):
    tls_servers = [(n, p) for n, p in SERVERS if n != "vsftpd"]
    paths = [("FTP STOR (curl -T)", curl_stor(), SERVERS),
             ("FTPS PROT P STOR (curl --ssl-reqd -T)", curl_stor("--ssl-reqd", "--insecure"), tls_servers)]
    paths += [(f"SFTP put (sftp -b), {cipher}", sftp_put(cipher), SFTP_SERVERS) for cipher in SFTP_CIPHERS]
    paths += [("scp -O put", scp_put, SFTP_SERVERS)]
    print("1 GiB each; time, and server CPU per GiB in brackets; ratios are MultiXfer over the best peer")
    print("| case | MultiXfer | peers | time ratio | CPU ratio |")
    print("|---|---|---|---|---|")
    for title, command, servers in paths:
        for existing in (False, True):
            row = f"{title}, {'over an existing file' if existing else 'new name'}"
            results = measure(upload_case(command, existing), servers, runs, row)
            ours = results["MultiXfer"]
            peers = {n: r for n, r in results.items() if n != "MultiXfer"}
            usable = [r for r in peers.values() if isinstance(r, tuple)]

            def shown(result):
                return cell(result) if not isinstance(result, tuple) else f"{result[0]:.2f} s ({result[1]:.2f} s)"

            times = ratio(ours[0], [r[0] for r in usable]) if isinstance(ours, tuple) else "-"
            cpus = ratio(ours[1], [r[1] for r in usable]) if isinstance(ours, tuple) else "-"
            print(f"| {row} | {shown(ours)} | {', '.join(f'{n} {shown(r)}' for n, r in peers.items())} | {times} | {cpus} |", flush=True)


# "frontend": MultiXfer's "auto" listener (127.0.0.1:2126), which serves FTP, implicit FTPS and SSH on one port and
# tells them apart per connection (TLS ClientHello, "SSH-", or 300 ms of silence for FTP), against its dedicated ports.
AUTO_PORT = 2126
BANNER_CONNECTS = 50


def banner_case(name, port):
    """BANNER_CONNECTS sequential connects, each timed from connect() until the "220 " line has arrived, then closed
    without QUIT: the median per connection, in ms."""
    samples = []
    for _ in range(BANNER_CONNECTS):
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            stream = connection.makefile("rb")
            while True:
                line = stream.readline(4096)
                if line.startswith(b"220 "):
                    break
                if not line.startswith(b"220-"):
                    raise RuntimeError(f"expected a 220 greeting, got {line[:80]!r}")
            samples.append(time.monotonic() - start)
    return statistics.median(samples) * 1000


def ftps_logins_case(explicit):
    """20 sequential curl logins + LIST over TLS: ftps:// (implicit) on MultiXfer, --ssl-reqd ftp:// on the names in
    `explicit` (ProFTPD has no implicit FTPS)."""
    def case(name, port):
        start = time.monotonic()
        for _ in range(20):
            target = ["--ssl-reqd", url(port, "data/")] if name in explicit else [f"ftps://{AUTH}@127.0.0.1:{port}/data/"]
            subprocess.run(["curl", "-sS", "--insecure", "-o", "/dev/null", *target], check=True, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
        return time.monotonic() - start
    return case


MIXED_SESSIONS = 200
MIXED_PATH = "data/32m.bin"
MIXED_SIZE = 32 << 20


def mixed_command(name, kind, port, explicit_ftps):
    """One session of the mixed case: an OpenSSH sftp get, or curl printing the bytes it received (checked after)."""
    if kind == "sftp":
        return sftp_batch(re.sub(r"\W+", "-", name), port, "mixed", [f"get {MIXED_PATH} /dev/null"])
    size = ["-o", "/dev/null", "-w", "%{size_download}"]
    if kind == "ftp":
        return ["curl", "-sS", *size, url(port, MIXED_PATH)]
    if explicit_ftps:
        return ["curl", "-sS", "--insecure", "--ssl-reqd", *size, url(port, MIXED_PATH)]
    return ["curl", "-sS", "--insecure", *size, f"ftps://{AUTH}@127.0.0.1:{port}/{MIXED_PATH}"]


class PssPeak(threading.Thread):
    """Samples the PSS of the process trees under `roots` every 100 ms; `peak` is the highest sum seen (KiB)."""

    def __init__(self, roots):
        super().__init__(daemon=True)
        self.roots, self.stop = roots, threading.Event()
        self.peak = self.base = self.read()

    def read(self):
        return sum(pss_of(f"tree:{root}")[0] for root in self.roots)

    def run(self):
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, self.read())

    def finish(self):
        self.stop.set()
        self.join()
        self.peak = max(self.peak, self.read())
        return self.peak


def mixed_run(name, ports, explicit_ftps, sessions, memory=True):
    """`sessions` downloads of MIXED_PATH at once, session i over ("sftp", "ftp", "ftps")[i % 3]. Returns the wall time
    from the first start to the last exit, the time the last session of each protocol ended, failures per protocol
    with the first error of each, and the server's PSS (the process trees of whatever listens on the ports) before
    and at its peak, sampled every 100 ms."""
    sampler = PssPeak(sorted({listener_pid(port) for port in ports.values()})) if memory else None
    if sampler:
        sampler.start()
    kinds = [("sftp", "ftp", "ftps")[i % 3] for i in range(sessions)]
    ended, problems = [None] * sessions, [None] * sessions

    def wait(index, process):
        # A thread per session, so that each end time is its own and no pipe fills while another is waited for.
        try:
            out, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            err = b"timed out after %d s" % TIMEOUT
        ended[index] = time.monotonic()
        text = err.decode(errors="replace").strip().splitlines()
        if process.returncode != 0:
            problems[index] = text[0] if text else f"exit status {process.returncode}"
        elif kinds[index] != "sftp" and out.strip() != str(MIXED_SIZE).encode():
            problems[index] = f"received {out.decode(errors='replace').strip()} bytes"

    start = time.monotonic()
    waiters = []
    for index, kind in enumerate(kinds):
        process = subprocess.Popen(mixed_command(name, kind, ports[kind], explicit_ftps), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        waiters.append(threading.Thread(target=wait, args=(index, process), daemon=True))
        waiters[-1].start()
    for waiter in waiters:
        waiter.join()
    wall = max(ended) - start
    last = {kind: max(ended[i] for i in range(sessions) if kinds[i] == kind) - start for kind in set(kinds)}
    failures, first_error = {}, {}
    for kind, problem in zip(kinds, problems):
        if problem:
            failures[kind] = failures.get(kind, 0) + 1
            first_error.setdefault(kind, problem)
    return {"wall": wall, "last": last, "failures": failures, "errors": first_error,
            "peak": sampler.finish() if sampler else None, "base": sampler.base if sampler else None}


def frontend_group(runs):
    title = f"time to the FTP 220 banner, median of {BANNER_CONNECTS} sequential connects"
    servers = [("MultiXfer ftp", 2124), ("MultiXfer auto", AUTO_PORT), ("vsftpd", 2123), ("ProFTPD", 2121)]
    banner = measure(banner_case, servers, runs, title)
    auto, dedicated, peers = banner["MultiXfer auto"], banner["MultiXfer ftp"], [banner["vsftpd"], banner["ProFTPD"]]
    extra = f"{auto - dedicated:+.1f} ms" if isinstance(auto, float) and isinstance(dedicated, float) else "-"
    print("| case | MultiXfer :2124 ftp | MultiXfer :2126 auto | vsftpd | ProFTPD | auto - dedicated | dedicated / best peer | "
          "auto / best peer |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {title} | {cell(dedicated, 'ms')} | {cell(auto, 'ms')} | {cell(banner['vsftpd'], 'ms')} | "
          f"{cell(banner['ProFTPD'], 'ms')} | {extra} | {ratio(dedicated, peers)} | {ratio(auto, peers)} |", flush=True)
    print()

    title = "20 sequential SSH logins, ed25519 key, subsystem with empty stdin"
    servers = [("MultiXfer ssh", 2223), ("MultiXfer auto", AUTO_PORT), ("OpenSSH", 2222)]
    subsystems = {"MultiXfer ssh": "multixfer-echo", "MultiXfer auto": "multixfer-echo", "OpenSSH": "sftp"}
    logins = measure(ssh_login_case(subsystems), servers, runs, title)
    print("| case | MultiXfer :2223 ssh | MultiXfer :2126 auto | OpenSSH | auto / dedicated | auto / OpenSSH |")
    print("|---|---|---|---|---|---|")
    print(f"| {title} | {cell(logins['MultiXfer ssh'])} | {cell(logins['MultiXfer auto'])} | {cell(logins['OpenSSH'])} | "
          f"{ratio(logins['MultiXfer auto'], [logins['MultiXfer ssh']])} | "
          f"{ratio(logins['MultiXfer auto'], [logins['OpenSSH']])} |", flush=True)
    print()

    title = "20 sequential FTPS logins + LIST (curl -k)"
    servers = [("MultiXfer ftps", 2991), ("MultiXfer auto", AUTO_PORT), ("ProFTPD", 2121)]
    tls = measure(ftps_logins_case({"ProFTPD"}), servers, runs, title)
    print("| case | MultiXfer :2991 implicit | MultiXfer :2126 auto, implicit | ProFTPD :2121 explicit (AUTH TLS) | "
          "auto / dedicated | auto / ProFTPD |")
    print("|---|---|---|---|---|---|")
    print(f"| {title} | {cell(tls['MultiXfer ftps'])} | {cell(tls['MultiXfer auto'])} | {cell(tls['ProFTPD'])} | "
          f"{ratio(tls['MultiXfer auto'], [tls['MultiXfer ftps']])} | {ratio(tls['MultiXfer auto'], [tls['ProFTPD']])} |",
          flush=True)
    print()

    # One run each (a median would take minutes), after a warm-up of one session per protocol on every target so the
    # first target does not pay MultiXfer's JIT alone.
    targets = [("MultiXfer, all on the auto port :2126", {"sftp": AUTO_PORT, "ftp": AUTO_PORT, "ftps": AUTO_PORT}, False),
               ("MultiXfer, dedicated ports (:2223 sftp, :2124 ftp, :2991 implicit ftps)",
                {"sftp": 2223, "ftp": 2124, "ftps": 2991}, False),
               ("ProFTPD (:2022 mod_sftp, :2121 ftp and explicit ftps)", {"sftp": 2022, "ftp": 2121, "ftps": 2121}, True)]
    subprocess.run(["cat", os.path.join("/srv/bench", MIXED_PATH)], check=True, stdout=subprocess.DEVNULL)
    for label, ports, explicit in targets:
        for kind, problem in mixed_run(label, ports, explicit, 3, memory=False)["errors"].items():
            print(f"[mixed warm-up] {label} {kind}: {problem}", file=sys.stderr, flush=True)
    results = {}
    for label, ports, explicit in targets:
        subprocess.run(["sync"], check=True)
        time.sleep(2)
        try:
            results[label] = result = mixed_run(label, ports, explicit, MIXED_SESSIONS)
        except Exception as error:  # e.g. nothing listens on a port: the row says "fail", the others still run
            results[label] = None
            print(f"[mixed] {label} failed: {failure_text(error)}", file=sys.stderr, flush=True)
            continue
        for kind, problem in result["errors"].items():
            print(f"[mixed] {label} {kind}: {result['failures'][kind]} of "
                  f"{len(range(('sftp', 'ftp', 'ftps').index(kind), MIXED_SESSIONS, 3))} failed, first: {problem}",
                  file=sys.stderr, flush=True)
    peer = results[targets[2][0]]
    size = MIXED_SIZE >> 20
    print(f"| {MIXED_SESSIONS} concurrent sessions, 1/3 each SFTP get / FTP RETR / FTPS RETR of {size} MiB, 1 run | "
          f"wall, all done | last SFTP / FTP / FTPS done | MiB/s total | failures | server PSS peak (before) | "
          f"wall / ProFTPD |")
    print("|---|---|---|---|---|---|---|")
    for label, result in results.items():
        if result is None:
            print(f"| {label} | fail | - | - | - | - | - |")
            continue
        failed = sum(result["failures"].values())
        detail = "" if not failed else " (" + ", ".join(f"{kind} {count}" for kind, count in sorted(result["failures"].items())) + ")"
        last = " / ".join(f"{result['last'][kind]:.1f}" for kind in ("sftp", "ftp", "ftps"))
        versus = f"{result['wall'] / peer['wall']:.2f}" if peer else "-"
        print(f"| {label} | {result['wall']:.2f} s | {last} s | {MIXED_SESSIONS * size / result['wall']:.0f} | {failed}{detail} | "
              f"{result['peak'] / 1024:.0f} MiB ({result['base'] / 1024:.0f} MiB) | {versus} |", flush=True)


# "limits": what pacing costs. MultiXfer's user benchpaced (home /srv/bench, 10 MB/s each way) against a second vsftpd
# with local_max_rate=10000000 (:2129); OpenSSH has no server-side rate, so SFTP is compared with itself unpaced.
PACED_RATE = 10_000_000
PACED_FILE = "data/100m.bin"
PACED_BYTES = 100 * 1024 * 1024


def cpu_of_transfer(command):
    """Server CPU (ms) and client wall time (s) of one transfer: the listening process and its reaped children."""
    def case(name, port):
        pid = listener_pid(port)
        before = cpu_seconds(pid)
        seconds = timed(command(name, port))
        time.sleep(0.5)  # a forking server's session process is reaped
        return seconds, (cpu_seconds(pid) - before) * 1000
    return case


def paced_ftp_get(user):
    """MultiXfer paces by account (USER); the paced vsftpd paces every local user, so it serves bench."""
    def command(name, port):
        login = user if name == "MultiXfer" else "bench"
        return ["curl", "-sS", "-o", "/dev/null", f"ftp://{login}:benchpass@127.0.0.1:{port}/{PACED_FILE}"]
    return command


def paced_sftp_get(user):
    def command(name, port):
        batch = os.path.join(WORK, f"sftp-{name}-{user}-paced.batch")
        with open(batch, "w") as f:
            f.write(f"get {PACED_FILE} /dev/null\n")
        return ["sftp", *SSH_KEY_OPTIONS, "-o", f"User={user}", "-P", str(port), "-b", batch, "127.0.0.1"]
    return command


def limits_group(runs):
    rows = [
        ("FTP RETR 100 MiB at 10 MB/s (curl)", [("MultiXfer", 2124), ("vsftpd", 2129)], cpu_of_transfer(paced_ftp_get("benchpaced"))),
        ("FTP RETR 100 MiB unpaced (curl)", [("MultiXfer", 2124), ("vsftpd", 2123)], cpu_of_transfer(paced_ftp_get("bench"))),
        ("SFTP get 100 MiB at 10 MB/s (sftp -b)", [("MultiXfer", 2223)], cpu_of_transfer(paced_sftp_get("benchpaced"))),
        ("SFTP get 100 MiB unpaced (sftp -b)", [("MultiXfer", 2223), ("OpenSSH", 2222)], cpu_of_transfer(paced_sftp_get("bench"))),
    ]
    print(f"| case | MultiXfer wall | MultiXfer rate | MultiXfer server CPU | peer | peer wall | peer rate | peer server CPU |")
    print("|---|---|---|---|---|---|---|---|")
    for title, servers, case in rows:
        samples = {name: [] for name, _ in servers}
        for repetition in range(runs):
            for name, port in servers:
                try:
                    samples[name].append(case(name, port))
                except Exception as error:
                    print(f"[{title}] {name} failed: {failure_text(error)}", file=sys.stderr, flush=True)

        def figures(name):
            if not samples.get(name):
                return ["fail", "fail", "fail"] if name in samples else ["-", "-", "-"]
            wall = statistics.median(s[0] for s in samples[name])
            cpu = statistics.median(s[1] for s in samples[name])
            return [f"{wall:.2f} s", f"{PACED_BYTES / wall / 1e6:.1f} MB/s", f"{cpu:.0f} ms"]

        peer = servers[1][0] if len(servers) > 1 else "-"
        print(f"| {title} | {' | '.join(figures('MultiXfer'))} | {peer} | {' | '.join(figures(peer))} |", flush=True)


# The observability group's two instances (bench/run.sh): "on" serves /metrics (scraped every second below) and writes
# the JSON audit log and the xferlog; "off" has no admin listener, so no exporter listens to its instruments, and no logs.
OBSERVED = {"on": (2134, 2233), "off": (2135, 2234)}


def observability_group(runs):
    """Wall time and server CPU (the process's user + system time, its log writer threads included) with everything
    on against everything off, alternating which goes first. Wall times on 2 shared cores vary by several per cent
    between two identical instances; the CPU column is the steadier measure of what observability costs."""
    token = open(os.path.join(WORK, "scrape.token")).read().strip()
    stop = threading.Event()
    scrapes = []

    def scrape():
        import urllib.request
        request = urllib.request.Request("http://127.0.0.1:2183/metrics", headers={"Authorization": f"Bearer {token}"})
        while not stop.wait(1.0):
            with urllib.request.urlopen(request, timeout=5) as response:
                scrapes.append(len(response.read()))

    scraper = threading.Thread(target=scrape, daemon=True)
    scraper.start()
    rows = [
        ("FTP RETR 1 GiB (curl)", case_retr, 0),
        ("FTP STOR 1 GiB (curl -T)", case_stor, 0),
        ("lftp mirror 1000 x 4 KiB (FTP)", case_mirror, 0),
        ("SFTP get 1 GiB (sftp -b), aes128-gcm", sftp_get_case("aes128-gcm@openssh.com"), 1),
        ("lftp mirror 1000 x 4 KiB over SFTP", small_files_case(lftp_sftp), 1),
    ]
    print("| case | wall on | wall off | on / off | server CPU on | server CPU off | on / off |")
    print("|---|---|---|---|---|---|---|")
    try:
        for title, case, port_index in rows:
            samples = {name: [] for name in OBSERVED}
            for repetition in range(runs):
                order = list(OBSERVED.items()) if repetition % 2 == 0 else list(reversed(OBSERVED.items()))
                for name, ports in order:
                    pid = listener_pid(ports[port_index])
                    before = cpu_seconds(pid)
                    seconds = case(name, ports[port_index])
                    samples[name].append((seconds, (cpu_seconds(pid) - before) * 1000))
            wall = {name: statistics.median(s[0] for s in values) for name, values in samples.items()}
            cpu = {name: statistics.median(s[1] for s in values) for name, values in samples.items()}
            print(f"| {title} | {wall['on']:.2f} s | {wall['off']:.2f} s | {wall['on'] / wall['off']:.2f} | {cpu['on']:.0f} ms | "
                  f"{cpu['off']:.0f} ms | {cpu['on'] / cpu['off']:.2f} |", flush=True)
    finally:
        stop.set()
        scraper.join()
    print(f"\n/metrics scraped {len(scrapes)} times during the group, {statistics.median(scrapes) if scrapes else 0:.0f} bytes each", flush=True)


def task_clock_ms(pid, run):
    """The CPU time (perf's task-clock, every thread of the process, including those that end meanwhile) that `pid`
    spends while `run()` runs, with run()'s own result. /proc's tick counts move in 10 ms steps, 2 % of a
    1000-file mirror's CPU, too coarse for the few per cent this measures."""
    import signal
    perf = subprocess.Popen(["perf", "stat", "-x,", "-e", "task-clock", "-p", str(pid)], stderr=subprocess.PIPE, text=True)
    time.sleep(0.2)  # perf attaches before the work starts
    result = run()
    perf.send_signal(signal.SIGINT)
    report = perf.communicate()[1]
    return result, float(next(line for line in report.splitlines() if "task-clock" in line).split(",")[0])


def bootstrap_ratio(on, off, rounds=4000):
    """The ratio of medians with its 95 % bootstrap interval."""
    import random
    generator = random.Random(1)
    ratios = sorted(statistics.median(generator.choices(on, k=len(on))) / statistics.median(generator.choices(off, k=len(off)))
                    for _ in range(rounds))
    return statistics.median(on) / statistics.median(off), ratios[int(rounds * 0.025)], ratios[int(rounds * 0.975)]


def observability_small_group(runs):
    """The small-file workloads only, where a per-file cost shows: many alternated runs of the 1000-file mirrors against
    the "on" and "off" instances, server CPU from perf, medians with 95 % bootstrap intervals. Needs perf (linux-perf)."""
    if shutil.which("perf") is None:
        print("observability-small: perf is not installed (apt-get install linux-perf), skipped", flush=True)
        return
    rows = [("lftp mirror 1000 x 4 KiB (FTP)", case_mirror, 0), ("lftp mirror 1000 x 4 KiB over SFTP", small_files_case(lftp_sftp), 1)]
    repetitions = max(runs, 30)
    print(f"{repetitions} alternated runs per instance; interval: 95 % bootstrap of the ratio of medians")
    print("| case | wall on / off | server CPU on | server CPU off | CPU on / off |")
    print("|---|---|---|---|---|")
    for title, case, port_index in rows:
        samples = {name: [] for name in OBSERVED}
        for name, ports in OBSERVED.items():
            case(name, ports[port_index])  # warm both
        for repetition in range(repetitions):
            order = list(OBSERVED.items()) if repetition % 2 == 0 else list(reversed(OBSERVED.items()))
            for name, ports in order:
                samples[name].append(task_clock_ms(listener_pid(ports[port_index]), lambda: case(name, ports[port_index])))
        wall = bootstrap_ratio([s[0] for s in samples["on"]], [s[0] for s in samples["off"]])
        cpu = bootstrap_ratio([s[1] for s in samples["on"]], [s[1] for s in samples["off"]])
        print(f"| {title} | {wall[0]:.3f} ({wall[1]:.3f}-{wall[2]:.3f}) | {statistics.median(s[1] for s in samples['on']):.0f} ms | "
              f"{statistics.median(s[1] for s in samples['off']):.0f} ms | {cpu[0]:.3f} ({cpu[1]:.3f}-{cpu[2]:.3f}) |", flush=True)


# "sessions": SESSIONS concurrent idle logged-in sessions (a third each FTP, explicit FTPS, SFTP) against a MultiXfer
# instance of their own (run.sh starts it on these ports), from ten loopback source addresses (bench/sessions.py).
SESSIONS = 10000
SESSIONS_FTP_PORT, SESSIONS_SSH_PORT = 2136, 2235


def sessions_group(runs):
    """Once, whatever RUNS says: opening 10,000 sessions is the measurement. The forking peers' memory per idle session
    is in the ftp and sftp groups' idle rows (200 and 50 sessions; at 10,000 they would need 4-20 GB here)."""
    out = subprocess.run(["/usr/bin/python3", "-W", "ignore", os.path.join(HERE, "sessions.py"), "--pid", str(listener_pid(SESSIONS_FTP_PORT)),
                          "--ftp-port", str(SESSIONS_FTP_PORT), "--ssh-port", str(SESSIONS_SSH_PORT), "--sessions", str(SESSIONS)],
                         check=True, capture_output=True, text=True, timeout=TIMEOUT).stdout
    result = json.loads(out)
    print(f"{SESSIONS} idle logged-in sessions, a third each FTP, explicit FTPS (PROT P) and SFTP, from 10 loopback addresses")
    print("| figure | MultiXfer |")
    print("|---|---|")
    print(f"| logged in (and still answering at the end) | {result['logged_in']} ({result['answering']}), {result['failures']} failed |")
    print(f"| time until all were logged in | {result['seconds']:.1f} s |")
    print(f"| server memory (PSS) per session | {result['per_session_kib']:.1f} KiB ({result['pss_before_kib'] // 1024} MiB before, "
          f"{result['pss_after_kib'] // 1024} MiB with them open) |")
    print(f"| server descriptors, threads with them open | {result['fds']}, {result['threads']} |")
    print(f"| a new client's login meanwhile: curl FTP (login, LIST), OpenSSH sftp (key login, pwd) | "
          f"{result['ftp_login_ms']} ms, {result['sftp_login_ms']} ms |")
    if result["first_failures"]:
        print(f"first failures: {result['first_failures']}")


# "ftpext" (issue 20): the checksum commands and MODE Z against ProFTPD 1.3.8's mod_digest and mod_deflate, which
# bench/peers/proftpd.conf loads with DigestCache off, and run.sh starts MultiXfer with Ftp:DigestCache:MaxEntries 0:
# every HASH reads the file.
FTPEXT_SERVERS = [("MultiXfer", 2124), ("ProFTPD", 2121)]
DIGESTED = "data/1g.bin"
CORPUS_PATH = "data/corpus.txt"
CORPUS_SIZE = 128 << 20
# Both servers deflate downloads at the level the client asks for (ProFTPD's default is 7, MultiXfer's 6); the client
# deflates uploads at the same level.
MODE_Z_LEVEL = 6
# A digest of 1 GiB sooner than this (20 GB/s, faster than reading the page cache) came from a cache, not the file.
CACHED_SECONDS = 0.05


def ftp_session(port):
    """A logged-in ftplib session as bench, binary type; the bench's servers all listen on loopback."""
    session = ftplib.FTP()
    session.connect("127.0.0.1", port, timeout=TIMEOUT)
    session.login("bench", "benchpass")
    session.voidcmd("TYPE I")
    return session


def final_reply(session, command):
    """COMMAND's last reply line. ftplib takes a 1xx preliminary reply for the answer, so those are read past; a
    4xx or 5xx raises with its text (the cell's failure)."""
    reply = session.sendcmd(command)
    while reply.startswith("1"):
        reply = session.getresp()
    return reply.splitlines()[-1]


@functools.lru_cache(maxsize=None)
def expected_digests(path):
    """(SHA-256 hex, CRC-32) of a file, read once per run: every server's answer is compared with these."""
    sha256, crc = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            sha256.update(block)
            crc = zlib.crc32(block, crc)
    return sha256.hexdigest(), crc


def checksum_case(command, pattern, check, setup=()):
    """COMMAND on the 1 GiB file over the control connection, timed from sending it to its final reply, which must
    match PATTERN; CHECK(group 1, expected_digests) says whether the digest is right. SETUP commands come first,
    outside the timing."""
    def case(name, port):
        expected = expected_digests(os.path.join("/srv/bench", DIGESTED))
        with ftp_session(port) as session:
            for line in setup:
                session.voidcmd(line)
            start = time.monotonic()
            reply = final_reply(session, command)
            seconds = time.monotonic() - start
        found = re.fullmatch(pattern, reply)
        if not found:
            raise RuntimeError(f"unexpected reply {reply[:120]!r}")
        if not check(found.group(1), expected):
            raise RuntimeError(f"wrong digest {found.group(1)} in {reply[:120]!r}")
        if seconds < CACHED_SECONDS:
            raise RuntimeError(f"answered in {seconds * 1000:.0f} ms: a cached digest, not the file")
        return seconds
    return case


# HASH's default algorithm is SHA-1 on ProFTPD, SHA-256 on MultiXfer: OPTS HASH makes both SHA-256.
CHECKSUM_CASES = [
    ("HASH SHA-256 of 1 GiB (OPTS HASH SHA-256)",
     checksum_case(f"HASH {DIGESTED}", rf"213 SHA-256 0-{1 << 30} ([0-9a-f]{{64}}) {DIGESTED}",
                   lambda hex_digest, expected: hex_digest == expected[0], setup=["OPTS HASH SHA-256"])),
    ("XSHA256 of 1 GiB", checksum_case(f"XSHA256 {DIGESTED}", r"250 ([0-9A-F]{64})",
                                      lambda hex_digest, expected: hex_digest == expected[0].upper())),
    ("XCRC of 1 GiB", checksum_case(f"XCRC {DIGESTED}", r"250 ([0-9A-Fa-f]{1,8})",
                                   lambda hex_digest, expected: int(hex_digest, 16) == expected[1])),
]


def corpus_sources():
    """Text files in a fixed order: the common licenses, every package's copyright file, then the English man pages
    (roff source, decompressed), about 140 MB on this Debian 12."""
    names = sorted(glob.glob("/usr/share/common-licenses/*")) + sorted(glob.glob("/usr/share/doc/*/copyright"))
    names += sorted(glob.glob("/usr/share/man/man[0-9]*/*.gz"))
    for name in names:
        try:
            with (gzip.open if name.endswith(".gz") else open)(name, "rb") as f:
                yield f.read()
        except OSError:  # a dangling link, a directory
            continue


def ensure_corpus():
    """The MODE Z cases' file, /srv/bench/data/corpus.txt: CORPUS_SIZE bytes of corpus_sources(), over again if they
    are shorter. Built once and kept (it then stays the same when packages change), owned by bench as the other data."""
    target = os.path.join("/srv/bench", CORPUS_PATH)
    if os.path.exists(target) and os.path.getsize(target) == CORPUS_SIZE:
        return target
    partial, written = target + ".partial", 0
    with open(partial, "wb") as out:
        while written < CORPUS_SIZE:
            before = written
            for text in corpus_sources():
                text = text[:CORPUS_SIZE - written]
                out.write(text)
                written += len(text)
                if written == CORPUS_SIZE:
                    break
            if written == before:
                raise RuntimeError("no text found for the MODE Z corpus")
    shutil.chown(partial, "bench", "bench")
    os.replace(partial, target)
    return target


@functools.lru_cache(maxsize=None)
def compressed_corpus():
    """The corpus as one zlib stream at MODE_Z_LEVEL, deflated in 1 MiB chunks through one compressobj, once per run:
    the uploads then time the server's inflating and writing, not this client's deflate (Python's zlib at level 6
    takes 2.6 s of a core for the corpus here, ten times what MultiXfer takes to receive it, on the same 2 cores)."""
    deflater, parts = zlib.compressobj(MODE_Z_LEVEL), []
    with open(ensure_corpus(), "rb") as f:
        while block := f.read(1 << 20):
            parts.append(deflater.compress(block))
    parts.append(deflater.flush())
    return b"".join(parts)


def mode_z_session(port):
    session = ftp_session(port)
    session.voidcmd("MODE Z")
    session.voidcmd(f"OPTS MODE Z LEVEL {MODE_Z_LEVEL}")
    return session


def case_mode_z_retr(name, port):
    """RETR of the corpus in MODE Z, inflated and hashed as it arrives; (seconds from RETR to its 226, compressed
    bytes / plain bytes)."""
    expected = expected_digests(ensure_corpus())[0]
    inflater, sha256, received = zlib.decompressobj(), hashlib.sha256(), [0, 0]

    def block(data):
        received[0] += len(data)
        plain = inflater.decompress(data)
        received[1] += len(plain)
        sha256.update(plain)

    with mode_z_session(port) as session:
        start = time.monotonic()
        session.retrbinary(f"RETR {CORPUS_PATH}", block, blocksize=1 << 16)
        seconds = time.monotonic() - start
    plain = inflater.flush()
    received[1] += len(plain)
    sha256.update(plain)
    if not inflater.eof:
        raise RuntimeError(f"the zlib stream did not end ({received[0]} bytes received)")
    if received[1] != CORPUS_SIZE or sha256.hexdigest() != expected:
        raise RuntimeError(f"inflated {received[1]} bytes that differ from the file")
    return seconds, received[0] / CORPUS_SIZE


def case_mode_z_stor(name, port):
    """STOR of the corpus in MODE Z (compressed_corpus()) to upload/, then its size and SHA-256 checked; (seconds from
    STOR to its 226, compressed bytes / plain bytes)."""
    compressed = compressed_corpus()
    expected = expected_digests(ensure_corpus())[0]
    remote = f"upload/{name}-modez-corpus.txt"
    target = os.path.join("/srv/bench", remote)
    if os.path.exists(target):
        os.remove(target)
    subprocess.run(["sync"], check=True)  # no dirty pages left by the sample before
    with mode_z_session(port) as session:
        start = time.monotonic()
        try:
            session.storbinary(f"STOR {remote}", io.BytesIO(compressed), blocksize=1 << 16)
        except OSError:
            # The server closed the data connection before the end: its reply says why (raised with its text).
            session.getresp()
            raise
        seconds = time.monotonic() - start
    size = os.path.getsize(target) if os.path.exists(target) else None
    if size != CORPUS_SIZE:
        raise RuntimeError(f"the stored file has {size} bytes, not {CORPUS_SIZE}")
    with open(target, "rb") as f:
        if hashlib.file_digest(f, "sha256").hexdigest() != expected:
            raise RuntimeError("the stored file differs from the corpus")
    return seconds, len(compressed) / CORPUS_SIZE


RANDOM_FILE, RANDOM_SIZE = "data/100m.bin", 100 << 20


def case_lftp_auto_mode_z(name, port):
    """lftp's own choice: it sends MODE Z whenever FEAT offers it (ftp:use-mode-z defaults to yes), so a plain `get`
    of an incompressible 100 MiB file runs in MODE Z at the server's default level; seconds."""
    local = os.path.join(WORK, f"lftp-auto-z-{name}.bin")

    def clean():
        for leftover in (local, f"{local}.log"):
            if os.path.exists(leftover):
                os.remove(leftover)

    seconds = timed(["lftp", "-u", "bench,benchpass", "-e",
                     f"set ftp:ssl-allow no; set cmd:fail-exit yes; set net:max-retries 1; debug -o {local}.log 5; "
                     f"get {RANDOM_FILE} -o {local}; quit", f"ftp://127.0.0.1:{port}"], clean)
    with open(f"{local}.log", errors="replace") as log:
        if "---> MODE Z" not in log.read():
            raise RuntimeError("lftp did not switch to MODE Z")
    if os.path.getsize(local) != RANDOM_SIZE:
        raise RuntimeError("lftp's download is incomplete")
    clean()
    return seconds


def ftpext_cell(value, size, unit):
    """Rate (decimal units), then the compressed fraction when the case has one, time and server CPU."""
    if not isinstance(value, tuple):
        return cell(value)
    seconds, cpu = value[0], value[-1]
    rate = f"{size / seconds / 1e9:.2f} GB/s" if unit == "GB/s" else f"{size / seconds / 1e6:.1f} MB/s"
    compressed = f", {value[1]:.3f} compressed" if len(value) == 3 else ""
    return f"{rate}{compressed} ({seconds:.2f} s, {cpu:.2f} s CPU)"


def ftpext_group(runs):
    """Each case on MultiXfer then ProFTPD, the order alternating each run (measure); a failed cell's reply is
    printed under the table."""
    ensure_corpus()
    cases = [(title, case, 1 << 30, "GB/s") for title, case in CHECKSUM_CASES]
    cases += [(f"MODE Z RETR of a {CORPUS_SIZE >> 20} MiB text corpus, level {MODE_Z_LEVEL}", case_mode_z_retr, CORPUS_SIZE, "MB/s"),
              (f"MODE Z STOR of the same corpus, client zlib level {MODE_Z_LEVEL}", case_mode_z_stor, CORPUS_SIZE, "MB/s"),
              ("lftp get of a 100 MiB random file, MODE Z as lftp picks it", case_lftp_auto_mode_z, RANDOM_SIZE, "MB/s")]
    failures = []

    def noted(title, case):
        def run(name, port):
            try:
                return case(name, port)
            except Exception as error:
                failures.append(f"{name}, {title}: {failure_text(error)}")
                raise
        return run

    print("rate (decimal GB/s, MB/s of plain data), compressed bytes / plain bytes for MODE Z, then time and server CPU;")
    print("the ratio is time / CPU, MultiXfer over ProFTPD (below 1: MultiXfer faster, or cheaper)")
    print("| case | MultiXfer | ProFTPD | MultiXfer / ProFTPD (time / CPU) |")
    print("|---|---|---|---|")
    for title, case, size, unit in cases:
        results = measure(with_cpu(noted(title, case)), FTPEXT_SERVERS, runs, title)
        ours, peer = results["MultiXfer"], results["ProFTPD"]
        versus = (f"{ratio(ours[0], [peer[0]])} / {ratio(ours[-1], [peer[-1]])}"
                  if isinstance(ours, tuple) and isinstance(peer, tuple) else "-")
        print(f"| {title} | {ftpext_cell(ours, size, unit)} | {ftpext_cell(peer, size, unit)} | {versus} |", flush=True)
    for failure in failures:
        print(f"failed: {failure}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(GROUPS),
                        help=f"comma-separated groups to run, of {','.join(GROUPS)} (default: all)")
    args = parser.parse_args()
    groups = [group.strip() for group in args.only.split(",") if group.strip()]
    unknown = [group for group in groups if group not in GROUPS]
    if unknown or not groups:
        parser.error(f"--only takes groups among {','.join(GROUPS)}, got {args.only!r}")
    print(f"\nmedian of {args.runs} runs, loopback, {os.cpu_count()} cores", flush=True)
    for name, group in [("ftp", ftp_group), ("ftps", ftps_group), ("auth", auth_group), ("ssh", ssh_group), ("kex", kex_group), ("sftp", sftp_group), ("scp", scp_group), ("uploads", uploads_group),
                        ("frontend", frontend_group), ("limits", limits_group), ("observability", observability_group),
                        ("observability-small", observability_small_group), ("sessions", sessions_group), ("ftpext", ftpext_group)]:
        if name in groups:
            print(flush=True)
            group(args.runs)


if __name__ == "__main__":
    main()
