#!/usr/bin/env bash
# Reliability side by side (run as root, after or instead of bench/run.sh; it installs the peers the same way):
#   1. an upload into a full file system: what each server replies, what it leaves under the final name, and
#      whether the space comes back (MultiXfer, ProFTPD, vsftpd over FTP; MultiXfer, OpenSSH over SFTP);
#   2. a burst of N sftp sessions at once from one address against MultiXfer and OpenSSH sshd, each with its
#      default limits (MultiXfer's admission queue, sshd's MaxStartups 10:30:100), and N FTP logins at once
#      against MultiXfer (defaults) and the bench's ProFTPD and vsftpd.
#   BURST=200 bench/reliability.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export BENCH_WORK=${BENCH_WORK:-/tmp/xferbench}
W=$BENCH_WORK/reliability
BURST=${BURST:-200}
export DEBIAN_FRONTEND=noninteractive
for p in proftpd-core proftpd-mod-crypto openssh-server curl python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
[ -x /tmp/vsftpd-x/usr/sbin/vsftpd ] || (cd /tmp && apt-get download vsftpd >/dev/null 2>&1 && dpkg -x vsftpd_*.deb /tmp/vsftpd-x)
bash "$HERE/peers/setup.sh" >/dev/null 2>&1
rm -rf "$W" && mkdir -p "$W/keys"

dotnet build "$ROOT/src/MultiXfer.Server" -c Release -nologo -v q >/dev/null
SERVER="$ROOT/src/MultiXfer.Server/bin/Release/net10.0/MultiXfer.Server.dll"
HASH=$(echo benchpass | dotnet "$SERVER" hash-password)
KEY=$BENCH_WORK/id_ed25519
# MultiXfer with its defaults (no raised limits, penalties on), bench's user at /srv/bench, on ports of its own.
cat > "$W/multixfer.json" <<JSON
{
  "Server": { "DataRoot": "/srv/bench", "KeysDirectory": "$W/keys", "StateDirectory": "$W/state" },
  "Admin": { "Enabled": false },
  "Tls": { "CertificateFile": "$W/keys/tls.crt", "KeyFile": "$W/keys/tls.key" },
  "Listeners": { "ftp": { "Address": "127.0.0.1", "Port": 2141, "Protocol": "ftp" },
                 "ssh": { "Address": "127.0.0.1", "Port": 2241, "Protocol": "ssh" } },
  "Ftp": { "PassivePorts": "44000-44999" },
  "Logging": { "Level": "Warning" },
  "Users": { "bench": { "PasswordHash": "$HASH", "Home": "/", "AuthorizedKeys": [ "$(cat "$KEY.pub")" ] } }
}
JSON
nohup dotnet "$SERVER" --config "$W/multixfer.json" > "$W/multixfer.log" 2>&1 < /dev/null &
MX=$!
# OpenSSH sshd with its defaults for MaxStartups and MaxSessions (the bench's own sshd raises them).
grep -v -E "^(Port|MaxStartups|MaxSessions)" "$BENCH_WORK/sshd_config" > "$W/sshd_config"
echo "Port 2242" >> "$W/sshd_config"; sed -i "s#^PidFile .*#PidFile $W/sshd.pid#" "$W/sshd_config"
/usr/sbin/sshd -f "$W/sshd_config"
trap 'kill $MX 2>/dev/null; kill "$(cat "$W/sshd.pid")" 2>/dev/null; umount -l /srv/bench/full 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do ss -ltn | grep -q ":2241 " && ss -ltn | grep -q ":2242 " && break; sleep 0.2; done

python3 "$HERE/reliability.py" --work "$W" --key "$KEY" --burst "$BURST"
