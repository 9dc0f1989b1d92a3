#!/usr/bin/python3
"""The measuring half of bench/reliability.sh: full-disk uploads and login bursts against MultiXfer and its peers.
Prints markdown tables."""
import argparse
import concurrent.futures
import os
import shutil
import subprocess
import time

FULL = "/srv/bench/full"
USER, PASSWORD = "bench", "benchpass"
SSH_OPTIONS = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=120"]


def run(argv, timeout=300):
    result = subprocess.run(argv, capture_output=True, timeout=timeout)
    return result.returncode, (result.stderr + result.stdout).decode(errors="replace").strip().replace("\n", "; ").replace("|", "/")


def available():
    stat = os.statvfs(FULL)
    return stat.f_bavail * stat.f_frsize


def fresh_full_disk():
    subprocess.run(["umount", "-l", FULL], capture_output=True)
    os.makedirs(FULL, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", FULL], check=True)
    shutil.chown(FULL, USER, USER)
    with open(os.path.join(FULL, "old.bin"), "w") as f:
        f.write("the old content\n")
    shutil.chown(os.path.join(FULL, "old.bin"), USER, USER)


def left_behind(name):
    """What is under the final name now, and any hidden leftovers."""
    path = os.path.join(FULL, name)
    under = "nothing" if not os.path.exists(path) else "%d bytes" % os.path.getsize(path)
    hidden = [n for n in os.listdir(FULL) if n.startswith(".")]
    return under, ", ".join(hidden) or "none"


def full_disk(args):
    big = os.path.join(args.work, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(6 * 1024 * 1024))
    ftp = lambda port: lambda remote: run(["curl", "--silent", "--show-error", "--user", "%s:%s" % (USER, PASSWORD), "-T", big,
                                           "ftp://127.0.0.1:%d/full/%s" % (port, remote)])
    sftp = lambda port: lambda remote: run(["sh", "-c", "echo 'put %s full/%s' | sftp -P %d %s -i %s -b - %s@127.0.0.1"
                                            % (big, remote, port, " ".join(SSH_OPTIONS), args.key, USER)])
    servers = [("MultiXfer FTP", ftp(2141)), ("ProFTPD FTP", ftp(2121)), ("vsftpd FTP", ftp(2123)),
               ("MultiXfer SFTP", sftp(2241)), ("OpenSSH SFTP", sftp(2242)), ("ProFTPD mod_sftp", sftp(2022))]
    print("\n## 6 MiB upload into a 4 MiB file system\n")
    print("| server | new name: client says | left under the name | old name overwritten: left | hidden leftovers | space free after (KiB) |")
    print("|---|---|---|---|---|---|")
    for label, upload in servers:
        fresh_full_disk()
        before = available()
        code, said = upload("big.bin")
        under, hidden = left_behind("big.bin")
        upload("old.bin")
        with open(os.path.join(FULL, "old.bin"), "rb") as f:
            old = "old content kept" if f.read() == b"the old content\n" else "replaced by %d bytes" % os.path.getsize(os.path.join(FULL, "old.bin"))
        _, hidden2 = left_behind("old.bin")
        print("| %s | exit %d: %s | %s | %s | %s | %d of %d |" % (label, code, said[:90], under, old,
                                                              hidden if hidden != "none" else hidden2, available() // 1024, before // 1024))
    subprocess.run(["umount", "-l", FULL], capture_output=True)


def burst(args):
    os.makedirs(os.path.join(args.work, "burst"), exist_ok=True)
    small = os.path.join(args.work, "burst", "small.bin")
    with open(small, "wb") as f:
        f.write(os.urandom(10000))
    os.makedirs("/srv/bench/upload", exist_ok=True)
    shutil.chown("/srv/bench/upload", USER, USER)

    def sftp(port, i):
        return run(["sh", "-c", "printf 'put %s upload/b%d-%d.bin\\nget upload/b%d-%d.bin /dev/null\\n' | sftp -P %d %s -i %s -b - %s@127.0.0.1"
                    % (small, port, i, port, i, port, " ".join(SSH_OPTIONS), args.key, USER)])

    def ftp(port, i):
        return run(["curl", "--silent", "--show-error", "--user", "%s:%s" % (USER, PASSWORD), "--max-time", "240", "-T", small,
                    "ftp://127.0.0.1:%d/upload/f%d-%d.bin" % (port, port, i)])

    print("\n## %d sessions opened at once from one address\n" % args.burst)
    print("| server (limits) | protocol | succeeded | failed | wall time (s) | first failure |")
    print("|---|---|---|---|---|---|")
    cases = [("MultiXfer (defaults)", "sftp", 2241, sftp), ("OpenSSH sshd (defaults: MaxStartups 10:30:100)", "sftp", 2242, sftp),
             ("MultiXfer (defaults)", "ftp", 2141, ftp), ("ProFTPD (bench: MaxInstances 2000)", "ftp", 2121, ftp),
             ("vsftpd (bench: max_per_ip 2000)", "ftp", 2123, ftp)]
    for label, protocol, port, client in cases:
        start = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.burst) as pool:
            results = list(pool.map(lambda i: client(port, i), range(args.burst)))
        wall = time.time() - start
        failures = [said for code, said in results if code != 0]
        print("| %s | %s | %d | %d | %.1f | %s |" % (label, protocol, len(results) - len(failures), len(failures), wall,
                                                   failures[0][:80] if failures else "-"))
        time.sleep(2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()
    full_disk(args)
    burst(args)


if __name__ == "__main__":
    main()
