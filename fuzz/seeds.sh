#!/usr/bin/env bash
# Rebuilds the seed corpora in fuzz/corpus/ from real client traffic (run as root on the dev machine; needs the
# Debian clients test.sh installs: openssh-client, lftp, curl, python3-paramiko, haproxy, openssl, putty-tools).
#
#   fuzz/seeds.sh            # all targets
#
# How each corpus is made:
#   sftp            OpenSSH sftp (v3) and lftp (sftp:protocol-version 3..6) against `MultiXfer.Server sftp-server`
#                   on stdio, client->server bytes teed to a file (sftp -D / lftp sftp:connect-program)
#   ftp-control     lftp, curl and Python ftplib against the server's FTP listener through relay.py, which records
#                   what the client sends on the control connection
#   ssh-*           paramiko against the server's SSH listener with Packetizer.send_message recorded
#                   (paramiko_capture.py): payloads before encryption, written in the harnesses' record formats;
#                   ssh-identification and the detector also get OpenSSH ssh's and PuTTY plink's first raw bytes
#                   through relay.py; ssh-userauth adds harness-signed publickey records for every key type
#   proxy           HAProxy send-proxy / send-proxy-v2 (TLVs, CRC32c) in front of first_bytes.py
#   scp             OpenSSH `scp -O` with `-S` pointing at a wrapper that records the command line and the stream
#                   while OpenSSH's own scp -t/-f answers (the server side a real client expects)
#   authorized-keys ssh-keygen public keys of every type, with options as operators write them
#   key-files       ssh-keygen private keys of every type in OpenSSH, PEM and PKCS#8 format, with and without a
#                   passphrase, their decoded contents, public key blobs, and blob+signature pairs (paramiko signs)
#   certificates    ssh-keygen -s user and host certificates (CA and key types, options, validity) and ssh-keygen -k
#                   KRLs (serials, ranges, ids, keys, fingerprints), each behind the target's selector byte
#   detector        first bytes of the clients above and of an openssl s_client TLS ClientHello
# Files are capped at 8 KiB. Regression inputs (fuzz/regressions/) are kept separately and never rebuilt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
corpus=$here/corpus
tools=$here/seedtools
keys=$here/MultiXfer.Fuzz/Keys
py=/usr/bin/python3
work=$(mktemp -d /tmp/multixfer-seeds.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cap() { for f in "$@"; do [ -f "$f" ] && [ "$(stat -c %s "$f")" -gt 8192 ] && truncate -s 8192 "$f"; done; true; }

dotnet build "$repo/src/MultiXfer.Server/MultiXfer.Server.csproj" -c Release -m:1 -nologo -v q >/dev/null
server_dll=$repo/src/MultiXfer.Server/bin/Release/net10.0/MultiXfer.Server.dll

# --- a server with the fuzz user (the harnesses' user and password, so captured logins work there too) ------------
ftp_port=$(free_port); ssh_port=$(free_port)
hash=$(echo 'fuzz-password' | dotnet "$server_dll" hash-password | tail -n 1)
authorized=$(for k in ed25519 ecdsa256 ecdsa384 ecdsa521 rsa; do printf '"%s",' "$(cat "$keys/client_$k.pub")"; done)
cat >"$work/config.json" <<JSON
{
  "Server": { "DataRoot": "$work/data", "Storage": "memory", "KeysDirectory": "$work/keys", "Banner": "MultiXfer seeds" },
  "Listeners": {
    "ftp": { "Address": "127.0.0.1", "Port": $ftp_port, "Protocol": "ftp" },
    "ssh": { "Address": "127.0.0.1", "Port": $ssh_port, "Protocol": "ssh" }
  },
  "Ftp": { "PassivePorts": "", "AllowAnonymous": true },
  "Tls": { "CertificateFile": "$work/keys/tls.crt", "KeyFile": "$work/keys/tls.key" },
  "Auth": { "FailureDelayMilliseconds": 0 },
  "Ssh": {
    "KexAlgorithms": [ "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
                       "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
                       "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256" ],
    "HostKeyAlgorithms": [ "ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256" ],
    "Ciphers": [ "chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr" ],
    "Macs": [ "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1-etm@openssh.com", "hmac-sha1" ],
    "Compression": [ "none", "zlib@openssh.com" ],
    "EchoSubsystem": true
  },
  "Users": { "fuzz": { "PasswordHash": "$hash", "Home": "/fuzz", "AuthorizedKeys": [ ${authorized%,} ],
                       "Permissions": { "/": "*" } } }
}
JSON
dotnet "$server_dll" --config "$work/config.json" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$ssh_port) 2>/dev/null && break; sleep 0.2; done
(exec 3<>/dev/tcp/127.0.0.1/$ssh_port) 2>/dev/null || { echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

# --- ssh-kex, ssh-userauth, ssh-connection, ssh-packet: paramiko ---------------------------------------------------
rm -rf "$corpus"/ssh-kex "$corpus"/ssh-userauth "$corpus"/ssh-connection "$corpus"/ssh-packet "$corpus"/ssh-identification
(cd "$tools" && $py paramiko_capture.py 127.0.0.1 "$ssh_port" "$keys" "$corpus")
(cd "$tools" && $py extra_ssh_seeds.py "$corpus")

# --- ssh-identification and detector: the raw first bytes of OpenSSH ssh and PuTTY plink --------------------------
relay_port=$(free_port)
mkdir -p "$work/ident"
$py "$tools/relay.py" "$relay_port" "$ssh_port" "$work/ident/raw" 4096 & pids+=($!)
sleep 0.5
for kex in curve25519-sha256 ecdh-sha2-nistp256 diffie-hellman-group-exchange-sha256; do
  timeout 10 ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o KexAlgorithms=$kex \
    -i "$keys/client_ed25519" -p "$relay_port" fuzz@127.0.0.1 true >/dev/null 2>&1 || true
done
timeout 10 plink -batch -ssh -P "$relay_port" -l fuzz -pw wrong 127.0.0.1 true </dev/null >/dev/null 2>&1 || true
sleep 1
mkdir -p "$corpus/ssh-identification" "$corpus/detector"
n=0; for f in "$work"/ident/raw-*; do n=$((n+1)); cp "$f" "$corpus/ssh-identification/client-$n"; head -c 8 "$f" >"$corpus/detector/ssh-$n"; done

# --- ftp-control: lftp, curl, ftplib through the recording relay ---------------------------------------------------
ftp_relay=$(free_port)
mkdir -p "$work/ftp"
$py "$tools/relay.py" "$ftp_relay" "$ftp_port" "$work/ftp/control" 8192 & pids+=($!)
sleep 0.5
printf 'line one\r\nline two\n' >"$work/up.txt"
u=ftp://fuzz:fuzz-password@127.0.0.1:$ftp_relay
lftp_plain="set ftp:ssl-allow false;"   # a TLS session would be opaque to the relay
timeout 30 lftp -e "$lftp_plain set ftp:passive-mode true; mkdir d; cd d; put $work/up.txt -o a.txt; ls; cls -l; mv a.txt b.txt; get b.txt -o $work/b.txt; chmod 600 b.txt; rm b.txt; cd ..; rmdir d; quit" "$u" >/dev/null 2>&1 || true
timeout 30 lftp -e "$lftp_plain set ftp:passive-mode false; set ftp:prefer-epsv true; ls; mirror -R $work/ftp-mirror-src m; quit" "$u" >/dev/null 2>&1 || true
mkdir -p "$work/ftp-mirror-src/sub" && echo x >"$work/ftp-mirror-src/sub/x"
timeout 30 lftp -e "$lftp_plain set ftp:use-mlsd true; mirror -R $work/ftp-mirror-src m2; mirror m2 $work/m2; quit" "$u" >/dev/null 2>&1 || true
timeout 30 curl -s "$u/" >/dev/null || true
timeout 30 curl -s -T "$work/up.txt" "$u/c.txt" >/dev/null || true
timeout 30 curl -s -C - -o "$work/c.txt" "$u/c.txt" >/dev/null || true
timeout 30 curl -s --ftp-pasv --disable-epsv -l "$u/" >/dev/null || true
timeout 30 curl -s -B "$u/c.txt" -o /dev/null || true
timeout 30 curl -s -P - --disable-eprt "$u/" -o /dev/null || true
timeout 30 curl -s --ftp-create-dirs -T "$work/up.txt" "$u/x/y/z.txt" -Q "-SITE CHMOD 644 x/y/z.txt" >/dev/null || true
timeout 30 curl -s "ftp://anonymous:a@127.0.0.1:$ftp_relay/" >/dev/null || true
timeout 30 $py - "$ftp_relay" "$work/up.txt" <<'PY' || true
import ftplib, sys
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]))
f.login("fuzz", "fuzz-password")
def t(step):
    try:
        step()
    except ftplib.all_errors:
        pass
t(lambda: f.sendcmd("FEAT")); t(lambda: f.sendcmd("OPTS UTF8 ON")); t(lambda: f.sendcmd("SIZE file.txt")); t(lambda: f.sendcmd("TYPE I"))
t(lambda: f.storbinary("STOR up.bin", open(sys.argv[2], "rb"))); t(lambda: f.storlines("STOR up.txt", open(sys.argv[2], "rb")))
t(lambda: f.sendcmd("MFMT 20200102030405 up.txt")); t(lambda: f.sendcmd("MDTM up.txt")); t(lambda: f.sendcmd("SIZE up.bin"))
t(lambda: f.sendcmd("OPTS MLST type;size;modify;perm;unique;")); t(lambda: f.sendcmd("MLST up.txt"))
t(lambda: list(f.mlsd())); t(f.nlst); t(lambda: f.dir(lambda l: None))
t(lambda: f.retrbinary("RETR up.bin", lambda b: None, rest=3))
t(lambda: f.sendcmd("SITE HELP")); t(lambda: f.sendcmd("SITE CHMOD 600 up.txt")); t(lambda: f.sendcmd("SITE UTIME up.txt 20200101000000"))
t(lambda: f.sendcmd("STAT up.txt")); t(lambda: f.sendcmd("STAT"))
t(lambda: f.rename("up.bin", "moved.bin")); t(lambda: f.delete("moved.bin")); t(lambda: f.mkd("dd")); t(lambda: f.cwd("dd"))
t(f.pwd); t(lambda: f.sendcmd("CDUP")); t(lambda: f.rmd("dd"))
for c in ["SYST", "STRU F", "MODE S", "TYPE A", "TYPE L 8", "NOOP", "ALLO 100", "CLNT ftplib", "HELP RETR", "EPSV 1", "EPSV ALL"]:
    t(lambda c=c: f.sendcmd(c))
t(lambda: f.retrlines("LIST -la", lambda l: None))
t(f.quit)
PY
timeout 30 $py - "$ftp_relay" <<'PY' || true
import ftplib, sys
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]))
f.sendcmd("HOST files.example.org") if False else None
f.login("anonymous", "guest@")
f.set_pasv(False)
try:
    f.nlst()
    f.sendcmd("REIN")
    f.login("fuzz", "fuzz-password")
except ftplib.all_errors:
    pass
f.quit()
PY
sleep 1
mkdir -p "$corpus/ftp-control"; rm -f "$corpus"/ftp-control/client-*
n=0; for f in "$work"/ftp/control-*; do n=$((n+1)); cp "$f" "$corpus/ftp-control/client-$n"; head -c 8 "$f" >"$corpus/detector/ftp-$n" ; done

# --- sftp: OpenSSH sftp and lftp against the stdio sftp-server, client bytes teed ----------------------------------
mkdir -p "$work/sftproot" "$work/sftp" "$corpus/sftp"; rm -f "$corpus"/sftp/*
cat >"$work/sftp-tee" <<SH
#!/bin/sh
n=\$(ls "$work/sftp" | wc -l)
exec tee "$work/sftp/stream-\$n" | dotnet "$server_dll" sftp-server -d "$work/sftproot"
SH
chmod +x "$work/sftp-tee"
cat >"$work/batch" <<B
ls -la
mkdir d
put $work/up.txt d/a.txt
get d/a.txt $work/got.txt
rename d/a.txt d/b.txt
chmod 600 d/b.txt
symlink d/b.txt l
ln d/b.txt d/hard
df -h .
lstat l
rm l
rm d/hard
rm d/b.txt
rmdir d
B
timeout 60 sftp -q -b "$work/batch" -D "$work/sftp-tee" >/dev/null 2>&1 || true
cat >"$work/sftp-lftp" <<SH
#!/bin/sh
exec "$work/sftp-tee"
SH
chmod +x "$work/sftp-lftp"
for v in 3 4 5 6; do
  timeout 60 lftp -e "set sftp:protocol-version $v; set sftp:connect-program '$work/sftp-lftp'; mkdir d$v; put $work/up.txt -o d$v/a.txt; cls -l d$v; mv d$v/a.txt d$v/b.txt; chmod 640 d$v/b.txt; get d$v/b.txt -o $work/g$v; rm d$v/b.txt; rmdir d$v; quit" \
    sftp://u:p@localhost >/dev/null 2>&1 || true
done
n=0; for f in "$work"/sftp/stream-*; do [ -s "$f" ] || continue; n=$((n+1)); cp "$f" "$corpus/sftp/client-$n"; done
(cd "$tools" && $py extra_sftp_seeds.py "$corpus/sftp")

# --- scp: OpenSSH scp -O, with the remote side played by OpenSSH's own scp -t/-f ---------------------------------
mkdir -p "$work/scp" "$work/scpremote/dir" "$corpus/scp"; rm -f "$corpus"/scp/*
echo "remote file" >"$work/scpremote/file.txt"; echo "inner" >"$work/scpremote/dir/inner.bin"
cat >"$work/scp-ssh" <<SH
#!/bin/bash
cmd="\${@: -1}"
n=\$(ls "$work/scp" | wc -l)
{ printf '%s\n' "\$cmd"; } >"$work/scp/stream-\$n"
cd "$work/scpremote" && tee -a "$work/scp/stream-\$n" | sh -c "\$cmd"
SH
chmod +x "$work/scp-ssh"
mkdir -p "$work/scplocal/tree/sub" && echo a >"$work/scplocal/tree/a" && echo b >"$work/scplocal/tree/sub/b" && echo one >"$work/scplocal/one.txt"
(cd "$work/scplocal" && timeout 30 scp -O -S "$work/scp-ssh" one.txt x:up.txt) >/dev/null 2>&1 || true
(cd "$work/scplocal" && timeout 30 scp -O -p -S "$work/scp-ssh" one.txt x:.) >/dev/null 2>&1 || true
(cd "$work/scplocal" && timeout 30 scp -O -r -p -S "$work/scp-ssh" tree x:) >/dev/null 2>&1 || true
(cd "$work/scplocal" && timeout 30 scp -O -S "$work/scp-ssh" x:file.txt got.txt) >/dev/null 2>&1 || true
(cd "$work/scplocal" && timeout 30 scp -O -r -p -S "$work/scp-ssh" x:dir got-dir) >/dev/null 2>&1 || true
(cd "$work/scplocal" && timeout 30 scp -O -S "$work/scp-ssh" "x:'*.txt'" .) >/dev/null 2>&1 || true
n=0; for f in "$work"/scp/stream-*; do n=$((n+1)); cp "$f" "$corpus/scp/client-$n"; done
(cd "$tools" && $py extra_scp_seeds.py "$corpus/scp")

kill "${pids[@]}" 2>/dev/null || true

# --- proxy: HAProxy's own headers -----------------------------------------------------------------------------------
mkdir -p "$work/proxy" "$corpus/proxy"; rm -f "$corpus"/proxy/*
sink=$(free_port); front1=$(free_port); front2=$(free_port); front3=$(free_port)
$py "$tools/first_bytes.py" "$sink" "$work/proxy/header" & pids+=($!)
cat >"$work/haproxy.cfg" <<CFG
defaults
  mode tcp
  timeout connect 5s
  timeout client 5s
  timeout server 5s
frontend f1
  bind 127.0.0.1:$front1
  default_backend v1
frontend f2
  bind 127.0.0.1:$front2
  default_backend v2
frontend f3
  bind 127.0.0.1:$front3
  bind ::1:$front3
  default_backend v2tlv
backend v1
  server s 127.0.0.1:$sink send-proxy
backend v2
  server s 127.0.0.1:$sink send-proxy-v2
backend v2tlv
  server s 127.0.0.1:$sink send-proxy-v2 proxy-v2-options crc32c,unique-id,authority
  unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt
CFG
haproxy -f "$work/haproxy.cfg" -db >/dev/null 2>&1 & pids+=($!)
sleep 1
for p in $front1 $front2 $front3; do printf 'SSH-2.0-x\r\n' | timeout 3 $py -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$p)); s.sendall(sys.stdin.buffer.read()); import time; time.sleep(0.3)" || true; done
printf 'USER x\r\n' | timeout 3 $py -c "import socket,sys; s=socket.create_connection(('::1',$front3)); s.sendall(sys.stdin.buffer.read()); import time; time.sleep(0.3)" || true
sleep 1.5
n=0; for f in "$work"/proxy/header-*; do n=$((n+1)); cp "$f" "$corpus/proxy/haproxy-$n"; head -c 16 "$f" >"$corpus/detector/proxy-$n"; done
(cd "$tools" && $py extra_proxy_seeds.py "$corpus/proxy")

# --- detector: a TLS ClientHello ------------------------------------------------------------------------------------
tls=$(free_port)
$py "$tools/first_bytes.py" "$tls" "$work/tls" & pids+=($!)
sleep 0.5
timeout 3 openssl s_client -connect 127.0.0.1:$tls -servername files.example.org </dev/null >/dev/null 2>&1 || true
sleep 1.2
for f in "$work"/tls-*; do head -c 16 "$f" >"$corpus/detector/tls-clienthello"; cp "$f" "$corpus/detector/tls-clienthello-full"; done
printf '\x16\x03\x01' >"$corpus/detector/tls-partial"; printf 'S' >"$corpus/detector/s"; printf '\r\n\r\n\x00\r\nQUIT' >"$corpus/detector/v2-start"

# --- authorized-keys and key-files: ssh-keygen ------------------------------------------------------------------------
rm -rf "$corpus/authorized-keys" "$corpus/key-files"; mkdir -p "$corpus/authorized-keys" "$corpus/key-files" "$work/kg"
for spec in "ed25519 -t ed25519" "ecdsa256 -t ecdsa -b 256" "ecdsa384 -t ecdsa -b 384" "ecdsa521 -t ecdsa -b 521" "rsa2048 -t rsa -b 2048" "rsa1024 -t rsa -b 1024"; do
  set -- $spec; name=$1; shift
  ssh-keygen -q -N '' -C "seed-$name" "$@" -f "$work/kg/$name"
  cp "$work/kg/$name" "$corpus/key-files/openssh-$name"
  cp "$work/kg/$name.pub" "$corpus/authorized-keys/plain-$name"
  cp "$work/kg/$name" "$work/kg/$name.pem"; ssh-keygen -q -p -N '' -m PEM -f "$work/kg/$name.pem" && cp "$work/kg/$name.pem" "$corpus/key-files/pem-$name"
  cp "$work/kg/$name" "$work/kg/$name.p8"; ssh-keygen -q -p -N '' -m PKCS8 -f "$work/kg/$name.p8" && cp "$work/kg/$name.p8" "$corpus/key-files/pkcs8-$name"
done
ssh-keygen -q -N 'secret' -t ed25519 -f "$work/kg/enc-ed25519" && cp "$work/kg/enc-ed25519" "$corpus/key-files/openssh-encrypted-ed25519"
ssh-keygen -q -N 'secret' -t ecdsa -m PKCS8 -f "$work/kg/enc-p8" && cp "$work/kg/enc-p8" "$corpus/key-files/pkcs8-encrypted-ecdsa"
ssh-keygen -q -N 'secret' -t rsa -b 2048 -m PEM -f "$work/kg/enc-pem" && cp "$work/kg/enc-pem" "$corpus/key-files/pem-encrypted-rsa"
ssh-keygen -q -s "$work/kg/ed25519" -I seed -n fuzz "$work/kg/ecdsa256.pub" && cp "$work/kg/ecdsa256-cert.pub" "$corpus/authorized-keys/certificate"
(cd "$tools" && $py key_seeds.py "$work/kg" "$corpus/key-files" "$corpus/authorized-keys")

# --- certificates: ssh-keygen -s certificates (byte 0 + blob) and ssh-keygen -k KRLs (byte 1 + file) --------------------
rm -rf "$corpus/certificates"; mkdir -p "$corpus/certificates"
cert_seed() { # name, then ssh-keygen -s arguments; the certified key is a fresh copy of ecdsa256.pub
  local name=$1; shift
  cp "$work/kg/ecdsa256.pub" "$work/kg/c-$name.pub"
  ssh-keygen -q "$@" "$work/kg/c-$name.pub"
  { printf '\x00'; cut -d' ' -f2 "$work/kg/c-$name-cert.pub" | base64 -d; } >"$corpus/certificates/cert-$name"
}
cert_seed user-ed25519-ca -s "$work/kg/ed25519" -I alice -n alice,ops -z 7
cert_seed user-rsa-ca -s "$work/kg/rsa2048" -t rsa-sha2-512 -I bob -n bob -V 20200101:20300101
cert_seed options -s "$work/kg/ed25519" -I opts -n alice -O force-command=internal-sftp -O source-address=127.0.0.1/32,10.0.0.0/8,::1
cert_seed host -s "$work/kg/ecdsa384" -h -I host -n files.example.org
cp "$work/kg/rsa2048.pub" "$work/kg/c-rsa-key.pub"; ssh-keygen -q -s "$work/kg/ed25519" -I rsa-key -n alice "$work/kg/c-rsa-key.pub"
{ printf '\x00'; cut -d' ' -f2 "$work/kg/c-rsa-key-cert.pub" | base64 -d; } >"$corpus/certificates/cert-rsa-key"
printf 'serial: 5\nserial: 10-20\nserial: 1000\nserial: 1003\nserial: 1010\nid: alice\nkey: %s\nsha256: %s\nhash: %s\n' \
  "$(cat "$work/kg/ecdsa521.pub")" "$(cat "$work/kg/ecdsa384.pub")" "$(ssh-keygen -lf "$work/kg/rsa2048.pub" | cut -d' ' -f2)" >"$work/kg/krl-spec"
ssh-keygen -q -k -f "$work/kg/krl" -s "$work/kg/ed25519.pub" "$work/kg/krl-spec"
{ printf '\x01'; cat "$work/kg/krl"; } >"$corpus/certificates/krl-mixed"
ssh-keygen -q -k -f "$work/kg/krl-keys" "$work/kg/ecdsa256.pub" "$work/kg/c-host-cert.pub"
{ printf '\x01'; cat "$work/kg/krl-keys"; } >"$corpus/certificates/krl-keys"
{ printf '\x01'; cat "$work/kg/ed25519.pub" "$work/kg/rsa2048.pub"; } >"$corpus/certificates/text-list"

cap "$corpus"/*/*
for d in "$corpus"/*/; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
