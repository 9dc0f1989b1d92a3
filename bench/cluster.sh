#!/usr/bin/env bash
# Several gateways behind HAProxy, one PostgreSQL: FTP logins/s and aggregate download and upload (under a shared
# disk quota) throughput through the balancer with 1, 2 and 3 gateways, against one gateway without a balancer, all
# on this machine in one run; memory per gateway, and database transactions per login and per GiB uploaded. Run as
# root: starts a throwaway PostgreSQL (Debian's package) on a loopback port, the gateways as processes on 127.0.0.1
# and HAProxy on 127.0.0.30, then runs bench/cluster.py.
# On 2 cores more gateways cannot add capacity: the figures show what the balancer and the shared state cost.
#   bench/cluster.sh
#   RUNS=5 bench/cluster.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
W=${CLUSTER_WORK:-/tmp/xferbench-cluster}
PG_PORT=55434
export DEBIAN_FRONTEND=noninteractive
for p in haproxy postgresql curl python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
pkill -f "$W/gateway-" 2>/dev/null || true
rm -rf "$W" && mkdir -p "$W/data/bench" "$W/data/bench-quota" "$W/keys"
head -c 268435456 /dev/urandom > "$W/data/bench/256m.bin"

source "$HERE/peers/postgres.sh"
pg_start "$W/pg" $PG_PORT
cleanup() {
  pkill -f "$W/gateway-" 2>/dev/null || true
  pkill -f "$W/haproxy.cfg" 2>/dev/null || true
  pg_stop "$W/pg"
}
trap cleanup EXIT

dotnet build "$ROOT/src/MultiXfer.Server" -c Release -nologo -v q >/dev/null
export SERVER="$ROOT/src/MultiXfer.Server/bin/Release/net10.0/MultiXfer.Server.dll"
export HASH=$(echo benchpass | dotnet "$SERVER" hash-password)
export CLUSTER_WORK="$W" PG_PORT
python3 "$HERE/cluster.py" --runs "${RUNS:-3}"
