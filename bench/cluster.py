#!/usr/bin/env python3
"""Gateways behind HAProxy sharing PostgreSQL (bench/cluster.sh sets it up): FTP logins per second and aggregate
download and upload throughput through the balancer with 1, 2 and 3 gateways, against one gateway reached directly,
in one run; each gateway's memory; the database's transactions per login and per GiB uploaded. The accounts are
stored in PostgreSQL, as a cluster's accounts are, so a login reads its row, records the login and registers and
unregisters its session. The uploads are an account's with a disk quota, which the gateways share through the
usage ledger (grants of the quota, settled in the database); the same uploads by an account without one show what
that costs."""
import argparse, ftplib, os, statistics, subprocess, threading, time

WORK = os.environ["CLUSTER_WORK"]
SERVER = os.environ["SERVER"]
PG_PORT = os.environ["PG_PORT"]
BALANCER = "127.0.0.30"
FRONT = 2500
GATEWAYS = 3
CONTROL = [2400 + i for i in range(GATEWAYS)]   # PROXY v2 required: reached through HAProxy
DIRECT = 2410                                   # gateway 0's plain listener: the baseline without a balancer
ADMIN = [2480 + i for i in range(GATEWAYS)]
PASSIVE = [(47000 + i * 100, 47099 + i * 100) for i in range(GATEWAYS)]
CONNECTION = f"Host=127.0.0.1;Port={PG_PORT};Username=postgres;Database=multixfer;Maximum Pool Size=50"


def config(i):
    listeners = {"ftp": {"Address": "127.0.0.1", "Port": CONTROL[i], "Protocol": "ftp", "ProxyProtocol": "required",
                         "TrustedProxies": ["127.0.0.1/32"]}}
    if i == 0:
        listeners["direct"] = {"Address": "127.0.0.1", "Port": DIRECT, "Protocol": "ftp"}
    import json
    return json.dumps({
        "Server": {"DataRoot": f"{WORK}/data", "KeysDirectory": f"{WORK}/keys", "StateDirectory": f"{WORK}/state-{i}",
                   "MaxConnectionsPerIp": 5000, "MaxConnections": 5000, "MaxUnauthenticatedPerIp": 1000, "MaxUnauthenticated": 1000},
        "Accounts": {"Provider": "postgresql", "ConnectionString": CONNECTION},
        "Cluster": {"NodeName": f"gateway-{i}"},
        "Penalties": {"Exempt": ["127.0.0.0/8"]},
        "Admin": {"Address": "127.0.0.1", "Port": ADMIN[i]},
        "Listeners": listeners,
        "Ftp": {"PassivePorts": f"{PASSIVE[i][0]}-{PASSIVE[i][1]}", "PassiveAddress": BALANCER, "MaxPassivePortsPerClient": 1000},
        "Logging": {"Level": "Warning"},
    })


def start_gateways():
    processes = []
    for i in range(GATEWAYS):
        path = f"{WORK}/gateway-{i}.json"
        with open(path, "w") as f:
            f.write(config(i))
        if i == 0:
            # The stored account every login uses (one row, read by every gateway).
            subprocess.run(["dotnet", SERVER, "accounts", "add", "benchdb", "--password-stdin", "--home", "/bench", "--config", path],
                           input="benchpass\n", text=True, check=True, capture_output=True)
            # Uploads against a disk quota far above what they store: every write is checked against a shared grant.
            subprocess.run(["dotnet", SERVER, "accounts", "add", "benchq", "--password-stdin", "--home", "/bench-quota",
                            "--quota-bytes", str(100 << 30), "--config", path],
                           input="benchpass\n", text=True, check=True, capture_output=True)
        processes.append(subprocess.Popen(["dotnet", SERVER, "--config", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_ready(ADMIN[i])
    return processes


def wait_ready(port):
    import urllib.request
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gateway on admin port {port} never became ready")


def start_haproxy(count):
    lines = ["global", "    maxconn 4000", "defaults", "    mode tcp", "    timeout connect 5s", "    timeout client 60s",
             "    timeout server 60s", "frontend control", f"    bind {BALANCER}:{FRONT}", "    default_backend gateways",
             "backend gateways", "    balance roundrobin"]
    lines += [f"    server gateway-{i} 127.0.0.1:{CONTROL[i]} send-proxy-v2" for i in range(count)]
    for i in range(count):
        lines += [f"frontend passive-{i}", f"    bind {BALANCER}:{PASSIVE[i][0]}-{PASSIVE[i][1]}", f"    default_backend passive-{i}",
                  f"backend passive-{i}", f"    server gateway-{i} 127.0.0.1 send-proxy-v2"]
    path = f"{WORK}/haproxy.cfg"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    process = subprocess.Popen(["haproxy", "-f", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return process


def logins_per_second(host, port, seconds=5.0, threads=8):
    """ftplib sessions (connect, USER, PASS, QUIT) from several threads for a while."""
    done = [0] * threads
    stop = time.monotonic() + seconds

    def worker(index):
        while time.monotonic() < stop:
            ftp = ftplib.FTP()
            ftp.connect(host, port, timeout=30)
            ftp.login("benchdb", "benchpass")
            ftp.quit()
            done[index] += 1

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / (time.monotonic() - started), sum(done)


def throughput(host, port, parallel=4):
    """Aggregate MB/s of parallel curl downloads of a 256 MiB file (EPSV: the data connection goes where the control went)."""
    started = time.monotonic()
    clients = [subprocess.Popen(["curl", "-s", "-S", "-o", "/dev/null", "-u", "benchdb:benchpass", f"ftp://{host}:{port}/256m.bin"])
               for _ in range(parallel)]
    for c in clients:
        if c.wait() != 0:
            raise SystemExit("a download failed")
    return parallel * 256 * 1048576 / (time.monotonic() - started) / 1e6


def upload(host, port, user, parallel=4):
    """Aggregate MB/s of parallel curl uploads of the 256 MiB file, each to a name of its own (replacing last run's)."""
    started = time.monotonic()
    clients = [subprocess.Popen(["curl", "-s", "-S", "-T", f"{WORK}/data/bench/256m.bin", "-u", f"{user}:benchpass",
                                 f"ftp://{host}:{port}/up-{i}.bin"]) for i in range(parallel)]
    for c in clients:
        if c.wait() != 0:
            raise SystemExit("an upload failed")
    return parallel * 256 * 1048576 / (time.monotonic() - started) / 1e6


def transactions():
    out = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres", "-d", "multixfer",
                          "-Atc", "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'multixfer'"],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def settled_transactions():
    """The count once every backend has reported: an idle backend sends its statistics up to 10 s late
    (PGSTAT_IDLE_INTERVAL), so a count read at once would hold part of the step before."""
    time.sleep(11.0)
    return transactions()


def memory_mib(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    gateways = start_gateways()
    try:
        rows = []
        setups = [("1 gateway, direct", "127.0.0.1", DIRECT, 0)] + [(f"{n} gateway{'s' if n > 1 else ''} through HAProxy", BALANCER, FRONT, n)
                                                                   for n in range(1, GATEWAYS + 1)]
        for title, host, port, count in setups:
            haproxy = start_haproxy(count) if count else None
            try:
                logins_per_second(host, port, seconds=1.0)  # warm: JIT, pools, the password cache
                rates, speeds, uploads, unlimited = [], [], [], []
                for run in range(args.runs):
                    # Transactions are counted in the first run only: each count waits for the database's statistics.
                    counting = run == 0
                    before = settled_transactions() if counting else 0
                    uploads.append(upload(host, port, "benchq"))
                    if counting:
                        per_gib = settled_transactions() - before  # 4 x 256 MiB: one GiB, four logins included
                    if count == 0:
                        unlimited.append(upload(host, port, "benchdb"))
                    before = settled_transactions() if counting else 0
                    rate, count_done = logins_per_second(host, port)
                    if counting:
                        per_login = (settled_transactions() - before) / count_done
                    rates.append(rate)
                    speeds.append(throughput(host, port))
                rows.append((title, statistics.median(rates), per_login, statistics.median(speeds), statistics.median(uploads), per_gib))
                print(f"| {title} | {rows[-1][1]:.0f} | {rows[-1][2]:.1f} | {rows[-1][3]:.0f} | {rows[-1][4]:.0f} | {rows[-1][5]:.0f} |", flush=True)
                if unlimited:
                    print(f"| {title}, uploads without a quota | | | | {statistics.median(unlimited):.0f} | |", flush=True)
            finally:
                if haproxy:
                    haproxy.terminate()
                    haproxy.wait()
        print()
        print("| gateway | PSS after the run |")
        print("|---|---|")
        for i, process in enumerate(gateways):
            print(f"| gateway-{i} | {memory_mib(process.pid):.0f} MiB |")
    finally:
        for process in gateways:
            process.terminate()
        for process in gateways:
            process.wait()


if __name__ == "__main__":
    print("| setup | FTP logins/s (8 clients) | database transactions per login | 4 x 256 MiB downloads, MB/s |"
          " 4 x 256 MiB uploads under a quota, MB/s | database transactions per GiB uploaded |")
    print("|---|---|---|---|---|---|")
    main()
