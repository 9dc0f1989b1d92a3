#!/usr/bin/env bash
# Soak run on loopback, bounded and self-stopping (not a test: its figures go in the closing note).
#   bench/soak.sh                      30 minutes, 500 idle sessions, 20 transfer loops
#   MINUTES=5 IDLE=100 WORKERS=8 bench/soak.sh
# Builds and starts the server with a config of its own (data and keys under $SOAK_WORK), runs bench/soak.py against
# it, stops it, and prints the summary ($SOAK_WORK/out/summary.md, samples in samples.csv). Exit 1 on any data
# error or unexpected disconnect.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SOAK_WORK=${SOAK_WORK:-/tmp/mx-soak}
MINUTES=${MINUTES:-30}
IDLE=${IDLE:-500}
WORKERS=${WORKERS:-20}

rm -rf "$SOAK_WORK" && mkdir -p "$SOAK_WORK/data/soak" "$SOAK_WORK/keys" "$SOAK_WORK/out"
# A copy of its own, so that builds during the run cannot replace the assemblies under the running server.
dotnet publish "$ROOT/src/MultiXfer.Server" -c Release -nologo -v q -o "$SOAK_WORK/bin" >/dev/null
SERVER="$SOAK_WORK/bin/MultiXfer.Server.dll"
TOOLS="$HERE/.tools"
[ -x "$TOOLS/dotnet-gcdump" ] || dotnet tool install dotnet-gcdump --tool-path "$TOOLS" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$SOAK_WORK/id_ed25519"
HASH=$(echo soakpass | dotnet "$SERVER" hash-password)
FTP_PORT=${FTP_PORT:-2131}
SSH_PORT=${SSH_PORT:-2232}
# Every client is 127.0.0.1: the per-address limits make room for IDLE sessions and loopback is exempt from penalties.
cat > "$SOAK_WORK/multixfer.json" <<JSON
{
  "Server": { "DataRoot": "$SOAK_WORK/data", "KeysDirectory": "$SOAK_WORK/keys", "StateDirectory": "$SOAK_WORK/state", "MaxConnections": 5000, "MaxConnectionsPerIp": 5000,
              "MaxUnauthenticatedPerIp": 64 },
  "Penalties": { "Exempt": [ "127.0.0.0/8" ] },
  "Tls": { "CertificateFile": "$SOAK_WORK/keys/tls.crt", "KeyFile": "$SOAK_WORK/keys/tls.key" },
  "Listeners": { "ftp": { "Address": "127.0.0.1", "Port": $FTP_PORT, "Protocol": "ftp" },
                 "ssh": { "Address": "127.0.0.1", "Port": $SSH_PORT, "Protocol": "ssh" } },
  "Ftp": { "PassivePorts": "43000-43999", "MaxPassivePortsPerClient": 1000 },
  "Admin": { "Enabled": false },
  "Logging": { "Level": "Warning", "File": "$SOAK_WORK/server.log" },
  "Users": { "soak": { "PasswordHash": "$HASH", "Home": "/soak", "AuthorizedKeys": [ "$(cat "$SOAK_WORK/id_ed25519.pub")" ] } }
}
JSON
dotnet "$SERVER" --config "$SOAK_WORK/multixfer.json" >"$SOAK_WORK/server.out" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listener ssh" "$SOAK_WORK/server.out" && break; sleep 0.2; done

status=0
/usr/bin/python3 "$HERE/soak.py" --pid "$PID" --ftp "$FTP_PORT" --ssh "$SSH_PORT" --user soak --password soakpass \
  --key "$SOAK_WORK/id_ed25519" --data "$SOAK_WORK/data/soak" --out "$SOAK_WORK/out" --minutes "$MINUTES" --idle "$IDLE" \
  --workers "$WORKERS" --gcdump "$TOOLS/dotnet-gcdump" || status=$?
kill -TERM $PID; wait $PID || true
echo "summary: $SOAK_WORK/out/summary.md; server log: $SOAK_WORK/server.log"
exit $status
