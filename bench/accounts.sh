#!/usr/bin/env bash
# Account store and admin API figures, embedded SQLite against PostgreSQL, same machine, same run.
# Run as root: starts a throwaway PostgreSQL 15 cluster (Debian's postgresql package) on a loopback port and two
# MultiXfer instances (Accounts:Provider sqlite and postgresql), creates an admin token for each with the CLI, then
# runs bench/accounts.py. No peer here offers an account API (SFTPGo is not in Debian), so the figures stand alone.
#   bench/accounts.sh                      10,000 accounts per provider
#   ACCOUNTS=2000 bench/accounts.sh        fewer
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
W=${ACCOUNTS_WORK:-/tmp/xferbench-accounts}
PG_PORT=55433
rm -rf "$W" && mkdir -p "$W/data/bench"

# Durable commits (fsync on) as a production database would run, like the SQLite file's synchronous FULL.
source "$HERE/peers/postgres.sh"
pg_start "$W/pg" $PG_PORT
cleanup() {
  pkill -f "$W/multixfer-" 2>/dev/null || true
  pg_stop "$W/pg"
}
trap cleanup EXIT

dotnet build "$ROOT/src/MultiXfer.Server" -c Release -nologo -v q >/dev/null
SERVER="$ROOT/src/MultiXfer.Server/bin/Release/net10.0/MultiXfer.Server.dll"
for provider in sqlite postgresql; do
  case $provider in sqlite) ftp=2131; admin=2183 ;; postgresql) ftp=2132; admin=2184 ;; esac
  cat > "$W/multixfer-$provider.json" <<JSON
{
  "Server": { "DataRoot": "$W/data", "KeysDirectory": "$W/keys-$provider", "StateDirectory": "$W/state-$provider", "MaxConnectionsPerIp": 5000 },
  "Penalties": { "Exempt": [ "127.0.0.0/8" ] },
  "Tls": { "CertificateFile": "$W/keys-$provider/tls.crt", "KeyFile": "$W/keys-$provider/tls.key" },
  "Listeners": { "ftp": { "Address": "127.0.0.1", "Port": $ftp, "Protocol": "ftp" } },
  "Accounts": { "Provider": "$provider", "ConnectionString": "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=multixfer" },
  "Admin": { "Port": $admin },
  "Auth": { "PasswordCacheSeconds": 0 },
  "Ftp": { "PassivePorts": "" },
  "Logging": { "Level": "Warning" },
  "Users": { "configured": { "PasswordHash": "$(echo benchpass | dotnet "$SERVER" hash-password)", "Home": "/bench" } }
}
JSON
  dotnet "$SERVER" tokens create --name bench --scope admin --config "$W/multixfer-$provider.json" > "$W/token-$provider" 2>/dev/null
  echo benchpass | dotnet "$SERVER" accounts add stored --password-stdin --home /bench --config "$W/multixfer-$provider.json" >/dev/null
  nohup dotnet "$SERVER" --config "$W/multixfer-$provider.json" > "$W/multixfer-$provider.log" 2>&1 < /dev/null &
done
ready=no
for _ in $(seq 1 150); do
  ss -ltn | grep -q ":2183 " && ss -ltn | grep -q ":2184 " && ss -ltn | grep -q ":2132 " && { ready=yes; break; }; sleep 0.2
done
[ "$ready" = yes ] || { tail -n 5 "$W"/multixfer-*.log; exit 1; }

python3 "$HERE/accounts.py" --accounts "${ACCOUNTS:-10000}" \
  --server "sqlite,2183,2131,$(cat "$W/token-sqlite")" --server "postgresql,2184,2132,$(cat "$W/token-postgresql")"
