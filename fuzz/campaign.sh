#!/usr/bin/env bash
# The whole fuzzing campaign, one target after another on one core:
#   fuzz/campaign.sh [REPORT]
# 30 minutes each for ssh-packet, ssh-userauth, sftp and ftp-control, 10 minutes for every other target. Override with
# LONG_SECONDS / SHORT_SECONDS, or per target with SECONDS_<target with - as _> (SECONDS_ssh_kex=120), or run only
# some targets with TARGETS="proxy sftp". Each target's AFL output stays in fuzz/out/campaign/TARGET; the summary
# line of every target is appended to REPORT (default fuzz/out/campaign/report.txt). Exit status 2 when any target
# saved a crash or a hang (see fuzz/README.md for turning them into regression files).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
long=${LONG_SECONDS:-1800}
short=${SHORT_SECONDS:-600}
out=$here/out/campaign
report=${1:-$out/report.txt}
mkdir -p "$out" "$(dirname "$report")"
targets=${TARGETS:-"ssh-packet ssh-userauth sftp ftp-control ssh-kex ssh-connection proxy scp authorized-keys key-files certificates detector ssh-identification"}

echo "# campaign $(date -u +%FT%TZ) on $(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo '?')" >>"$report"
status=0
for target in $targets; do
  case "$target" in
    ssh-packet|ssh-userauth|sftp|ftp-control) seconds=$long ;;
    *) seconds=$short ;;
  esac
  override="SECONDS_${target//-/_}"
  seconds=${!override:-$seconds}
  rm -rf "${out:?}/$target"
  line=$("$here/run.sh" "$target" "$seconds" "$out/$target" | grep '^summary ') 
  rc=$?
  [ -n "$line" ] || line="summary target=$target failed to run (see $out/$target/afl.log)"
  echo "$line" | tee -a "$report"
  [ "$rc" -eq 0 ] || status=2
done
exit $status
