#!/usr/bin/env python3
"""Admin API latency per account-store provider: creating accounts one after another and from 8 clients, listing
them all with keyset paging, reading one, and FTP logins of a stored account against a configured user once the
store holds them all. Prints a markdown table; latencies are per request over HTTP/1.1 keep-alive on loopback."""
import argparse
import http.client
import json
import statistics
import subprocess
import threading
import time

def client(port, token):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(method, path, body=None):
        started = time.perf_counter()
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return elapsed, payload
    return call


def percentiles(samples):
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000
    return f"{pick(0.5):.2f} / {pick(0.95):.2f} / {pick(0.99):.2f} ms"


def create_sequential(port, token, names, body):
    call = client(port, token)
    latencies = []
    started = time.perf_counter()
    for name in names:
        elapsed, _ = call("POST", "/api/v1/accounts", dict(body, name=name))
        latencies.append(elapsed)
    return time.perf_counter() - started, latencies


def create_parallel(port, token, names, body, workers=8):
    slices = [names[i::workers] for i in range(workers)]
    latencies, errors = [], []

    def run(part):
        try:
            _, samples = create_sequential(port, token, part, body)
            latencies.extend(samples)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
    threads = [threading.Thread(target=run, args=(part,)) for part in slices]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started, latencies


def list_all(port, token):
    call = client(port, token)
    after, count, started = None, 0, time.perf_counter()
    while True:
        path = "/api/v1/accounts?limit=1000" + (f"&after={after}" if after else "")
        _, payload = call("GET", path)
        page = json.loads(payload)
        count += len(page["accounts"])
        after = page["next"]
        if not after:
            return time.perf_counter() - started, count


def logins(ftp_port, user, count=20):
    started = time.perf_counter()
    for _ in range(count):
        subprocess.run(["curl", "-sS", "-o", "/dev/null", f"ftp://{user}:benchpass@127.0.0.1:{ftp_port}/"], check=True, timeout=60)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--server", action="append", required=True, help="provider,adminport,ftpport,token")
    args = parser.parse_args()
    rows = {}
    for spec in args.server:
        provider, admin, ftp, token = spec.split(",", 3)
        admin, ftp = int(admin), int(ftp)
        call = client(admin, token)
        # Accounts made with a plain password: the server hashes each on receipt.
        _, plain = create_sequential(admin, token, [f"plain{i:03d}" for i in range(50)], {"password": "benchpass", "home": "/bench"})
        body = {"home": "/bench", "description": "bench account", "allowedNetworks": ["127.0.0.0/8"]}
        names = [f"user{i:05d}" for i in range(args.accounts)]
        # Keys only (no password): the store and the API alone.
        body_keys = dict(body, authorizedKeys=["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bench"])
        sequential_seconds, sequential = create_sequential(admin, token, names, body_keys)
        listing_seconds, listed = list_all(admin, token)
        reads = [call("GET", f"/api/v1/accounts/user{i * 37 % args.accounts:05d}")[0] for i in range(500)]
        parallel_names = [f"par{i:05d}" for i in range(2000)]
        parallel_seconds, parallel = create_parallel(admin, token, parallel_names, body_keys)
        stored_logins = logins(ftp, "stored")
        configured_logins = logins(ftp, "configured")
        rows[provider] = {
            "create (keys only) p50/p95/p99": percentiles(sequential),
            f"create {args.accounts} one after another": f"{sequential_seconds:.1f} s ({args.accounts / sequential_seconds:.0f}/s)",
            "create with a password (Argon2id on receipt) p50/p95/p99": percentiles(plain),
            "create 2000 from 8 clients at once": f"{parallel_seconds:.1f} s ({len(parallel_names) / parallel_seconds:.0f}/s), "
                                                   f"p99 {sorted(parallel)[int(0.99 * len(parallel))] * 1000:.1f} ms",
            f"list all {listed} (pages of 1000)": f"{listing_seconds:.2f} s",
            "get one account p50/p95/p99": percentiles(reads),
            "20 FTP logins + LIST, stored account": f"{stored_logins:.2f} s",
            "20 FTP logins + LIST, configured user": f"{configured_logins:.2f} s",
        }
    providers = list(rows)
    print("| case | " + " | ".join(providers) + " |")
    print("|---|" + "---|" * len(providers))
    for case in rows[providers[0]]:
        print(f"| {case} | " + " | ".join(rows[p][case] for p in providers) + " |")


if __name__ == "__main__":
    main()
