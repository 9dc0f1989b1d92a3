#!/usr/bin/env bash
# Side-by-side benchmark on loopback: MultiXfer against vsftpd, ProFTPD and OpenSSH sshd from Debian, same machine,
# same run.
# Run as root: installs the peers, creates user "bench" and the test files, starts everything, prints a table.
#   bench/run.sh                     all cases, median of 3
#   RUNS=5 bench/run.sh              more repetitions
#   bench/run.sh --only sftp         only some groups, comma-separated among ftp,ftps,auth,ssh,kex,sftp,scp,uploads,frontend,limits,observability,observability-small,sessions,ftpext
#   RUNS=1 bench/run.sh --only ssh,sftp
#   BENCH_SAMPLES=1 bench/run.sh   also every sample on stderr, not only the medians
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export BENCH_WORK=${BENCH_WORK:-/tmp/xferbench}
export DEBIAN_FRONTEND=noninteractive

need=()
for p in proftpd-core proftpd-mod-crypto openssh-server lftp curl python3 python3-paramiko python3-asyncssh linux-perf; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; fi
# vsftpd conflicts with ProFTPD as a package, so it is unpacked, not installed.
if [ ! -x /tmp/vsftpd-x/usr/sbin/vsftpd ]; then
  (cd /tmp && apt-get download vsftpd >/dev/null 2>&1 && dpkg -x vsftpd_*.deb /tmp/vsftpd-x)
fi

# Daemons started there must not keep this script's output open.
bash "$HERE/peers/setup.sh" >/dev/null 2>&1
mkdir -p /srv/bench/upload && chown bench:bench /srv/bench/upload
# The file the "frontend" group's 200 concurrent sessions each download.
[ -f /srv/bench/data/32m.bin ] || { head -c 33554432 /dev/urandom > /srv/bench/data/32m.bin; chown bench:bench /srv/bench/data/32m.bin; }
# The "limits" group's paced downloads, and its vsftpd held to 10 MB/s (local_max_rate) beside the shared one.
[ -f /srv/bench/data/100m.bin ] || { head -c 104857600 /dev/urandom > /srv/bench/data/100m.bin; chown bench:bench /srv/bench/data/100m.bin; }
# The "ftpext" group's MODE Z corpus (data/corpus.txt, 128 MiB of text) is built by bench.py when that group first runs.
sed -e 's/^listen_port=.*/listen_port=2129/' -e 's/^pasv_min_port=.*/pasv_min_port=44000/' -e 's/^pasv_max_port=.*/pasv_max_port=44999/' \
  "$HERE/peers/vsftpd.conf" > "$BENCH_WORK/vsftpd-paced.conf"
echo "local_max_rate=10000000" >> "$BENCH_WORK/vsftpd-paced.conf"
pgrep -f "$BENCH_WORK/vsftpd-paced.conf" >/dev/null || { /tmp/vsftpd-x/usr/sbin/vsftpd "$BENCH_WORK/vsftpd-paced.conf" >/dev/null 2>&1 < /dev/null & }

# The "sessions" group holds 10,000 connections: one descriptor each in the server (sessions of a home share its
# directory's) and in the client, so the limit is raised as far as the hard limit allows (a container's is often
# 20,000; raise that with `docker run --ulimit nofile=65536:65536` or LimitNOFILE= in a unit).
ulimit -n "$(ulimit -Hn)"
dotnet build "$ROOT/src/MultiXfer.Server" -c Release -nologo -v q >/dev/null
# The kex group's SSH.NET client (the only one here with mlkem768x25519-sha256).
dotnet build "$HERE/SshNetLogins" -c Release -nologo -v q >/dev/null
SERVER="$ROOT/src/MultiXfer.Server/bin/Release/net10.0/MultiXfer.Server.dll"
HASH=$(echo benchpass | dotnet "$SERVER" hash-password)
HASH_PBKDF2=$(echo benchpass | dotnet "$SERVER" hash-password --algorithm pbkdf2-sha512)
pkill -f "multixfer-bench.json" 2>/dev/null || true
# Every client is 127.0.0.1 here, so the per-address limits are raised out of the way (and loopback is exempt from
# per-source penalties): connections, unauthenticated
# connections, and passive ports held between PASV/EPSV and the data connection (default 20; the "frontend"
# group's 133 concurrent FTP/FTPS sessions got 425 replies with it).
cat > "$BENCH_WORK/multixfer-bench.json" <<JSON
{
  "Server": { "DataRoot": "/srv/bench", "KeysDirectory": "$BENCH_WORK/mx-keys", "StateDirectory": "$BENCH_WORK/mx-state", "MaxConnectionsPerIp": 5000,
              "MaxConnections": 12000, "MaxUnauthenticatedPerIp": 1000, "MaxUnauthenticated": 1000 },
  "Penalties": { "Exempt": [ "127.0.0.0/8" ] },
  "Admin": { "Port": 2181 },
  "Tls": { "CertificateFile": "$BENCH_WORK/mx-keys/tls.crt", "KeyFile": "$BENCH_WORK/mx-keys/tls.key" },
  "Listeners": { "ftp": { "Address": "127.0.0.1", "Port": 2124, "Protocol": "ftp" },
                 "ftps": { "Address": "127.0.0.1", "Port": 2991, "Protocol": "ftps-implicit" },
                 "ssh": { "Address": "127.0.0.1", "Port": 2223, "Protocol": "ssh" },
                 "auto": { "Address": "127.0.0.1", "Port": 2126, "Protocol": "auto" } },
  "Ssh": { "EchoSubsystem": true, "TrustedUserCAKeys": [ "$(cat "$BENCH_WORK/user_ca.pub")" ] },
  "Ftp": { "PassivePorts": "42000-42999", "MaxPassivePortsPerClient": 1000, "ModeZ": { "Enabled": true }, "DigestCache": { "MaxEntries": 0 } },
  "Logging": { "Level": "Warning" },
  "Users": { "bench": { "PasswordHash": "$HASH", "Home": "/", "AuthorizedKeys": [ "$(cat "$BENCH_WORK/id_ed25519.pub")" ] },
             "benchpbkdf2": { "PasswordHash": "$HASH_PBKDF2", "Home": "/" },
             "benchpaced": { "PasswordHash": "$HASH", "Home": "/", "AuthorizedKeys": [ "$(cat "$BENCH_WORK/id_ed25519.pub")" ],
                             "Limits": { "DownloadBytesPerSecond": 10000000, "UploadBytesPerSecond": 10000000 } } }
}
JSON
# The auth group's stored account: the same password in the embedded account database (a fresh one each run).
rm -rf "$BENCH_WORK/mx-state"
echo benchpass | dotnet "$SERVER" accounts add benchstored --password-stdin --home / --config "$BENCH_WORK/multixfer-bench.json" >/dev/null
nohup dotnet "$SERVER" --config "$BENCH_WORK/multixfer-bench.json" > "$BENCH_WORK/multixfer.log" 2>&1 < /dev/null &
# A second instance with the password cache off: every login pays the full PBKDF2 cost.
nohup dotnet "$SERVER" --config "$BENCH_WORK/multixfer-bench.json" --Listeners:ftp:Port=2125 --Auth:PasswordCacheSeconds=0 \
  --Ftp:PassivePorts=43000-43999 --Listeners:ftps:Port=2992 --Listeners:ssh:Port=2224 --Listeners:auto:Port=2127 --Admin:Port=2182 > "$BENCH_WORK/multixfer-nocache.log" 2>&1 < /dev/null &
# The observability group's pair: "on" (admin listener with /metrics scraped by the bench, JSON audit log, xferlog) and
# "off" (no admin listener, so no exporter listens to the instruments, and no tool logs).
rm -rf "$BENCH_WORK/observed" && mkdir -p "$BENCH_WORK/observed"
nohup dotnet "$SERVER" --config "$BENCH_WORK/multixfer-bench.json" --Listeners:ftp:Port=2134 --Listeners:ssh:Port=2233 --Listeners:ftps:Port=2993 \
  --Listeners:auto:Port=2128 --Ftp:PassivePorts=45000-45999 --Admin:Port=2183 --Logging:AuditLog="$BENCH_WORK/observed/audit.json" \
  --Logging:TransferLog="$BENCH_WORK/observed/xferlog" > "$BENCH_WORK/multixfer-on.log" 2>&1 < /dev/null &
nohup dotnet "$SERVER" --config "$BENCH_WORK/multixfer-bench.json" --Listeners:ftp:Port=2135 --Listeners:ssh:Port=2234 --Listeners:ftps:Port=2994 \
  --Listeners:auto:Port=2130 --Ftp:PassivePorts=46000-46999 --Admin:Enabled=false > "$BENCH_WORK/multixfer-off.log" 2>&1 < /dev/null &
# The "sessions" group's instance: 10,000 idle sessions measured from a fresh process.
nohup dotnet "$SERVER" --config "$BENCH_WORK/multixfer-bench.json" --Listeners:ftp:Port=2136 --Listeners:ssh:Port=2235 --Listeners:ftps:Port=2995 \
  --Listeners:auto:Port=2131 --Ftp:PassivePorts=47000-47999 --Admin:Enabled=false > "$BENCH_WORK/multixfer-sessions.log" 2>&1 < /dev/null &
dotnet "$SERVER" tokens create --name bench-scrape --scope read --json --config "$BENCH_WORK/multixfer-bench.json" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])' > "$BENCH_WORK/scrape.token"
for _ in $(seq 1 100); do
  ss -ltn | grep -q ":2125 " && ss -ltn | grep -q ":2124 " && ss -ltn | grep -q ":2223 " && ss -ltn | grep -q ":2126 " \
    && ss -ltn | grep -q ":2134 " && ss -ltn | grep -q ":2135 " && ss -ltn | grep -q ":2234 " && ss -ltn | grep -q ":2183 " \
    && ss -ltn | grep -q ":2136 " && ss -ltn | grep -q ":2235 " && break; sleep 0.2
done

# The MultiXfer instances stop with the run (the peers' daemons stay for the next one).
trap 'pkill -f "multixfer-bench.json" 2>/dev/null || true' EXIT
python3 "$HERE/bench.py" --runs "${RUNS:-3}" "$@"
