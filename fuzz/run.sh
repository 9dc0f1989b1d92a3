#!/usr/bin/env bash
# Fuzzes one target with AFL++ for a while:  fuzz/run.sh TARGET SECONDS [OUTDIR]
#
# 1. publishes fuzz/MultiXfer.Fuzz in Release once (cached: a stamp of every source it is built from),
# 2. instruments the MultiXfer.*.dll assemblies of a copy with sharpfuzz (not the harness itself, not SharpFuzz, not
#    system or third-party assemblies; the session targets only the types on their own path, see below), cached too,
# 3. runs afl-fuzz -i fuzz/corpus/TARGET -o OUTDIR -V SECONDS on `dotnet MultiXfer.Fuzz.dll TARGET --afl @@`,
# 4. prints one summary line from OUTDIR/default/fuzzer_stats.
# Installs afl++ (Debian, as root) and the sharpfuzz tool (fuzz/.tools) when they are missing. Output goes to
# fuzz/out/TARGET unless OUTDIR is given (fuzz/out is ignored by git). Exit status: 0 when AFL ran and saved no
# crash and no hang, 2 when it saved some, 1 when it could not run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
if [ $# -lt 2 ]; then
  echo "usage: $0 TARGET SECONDS [OUTDIR]" >&2
  exit 64
fi
target=$1
seconds=$2
out=${3:-$here/out/$target}
corpus=$here/corpus/$target
tools=$here/.tools
sharpfuzz_version=2.3.0

[ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ] || { echo "no seeds in $corpus" >&2; exit 1; }

# afl-fuzz's -t (ms), far above the harness's own deadlines (5 s for single-stream targets, 8 s for whole sessions).
# An AFL timeout would kill SharpFuzz's fork server, which is the fuzzed process itself, and end the campaign; the
# harness reports a run past its deadline as a crash (FuzzHangException) instead. No '+': in afl++ that would let AFL
# shrink the timeout to a few times the seeds' speed.
case "$target" in
  ssh-userauth|ssh-kex|ssh-connection|ssh-identification|ftp-control) timeout_ms=30000 ;;
  ssh-packet|sftp|scp) timeout_ms=20000 ;;
  *) timeout_ms=10000 ;;
esac

# What gets instrumented. Sessions run several tasks at once (the SSH read loop and writer task, channel
# applications, the harness's own client); SharpFuzz's edge tracing keeps one "previous location" for the whole
# process, so code running concurrently turns into random edges and AFL's stability collapses (ssh-userauth measured
# 2% with everything instrumented). Those targets therefore instrument only the types on their own path, which run on
# one thread at a time; pure parsers and single-stream sessions instrument every MultiXfer assembly.
case "$target" in
  ssh-userauth)   profile=userauth;   prefixes="MultiXfer.Ssh.UserAuth MultiXfer.Ssh.Keys MultiXfer.Ssh.Wire.SshReader" ;;
  ssh-connection) profile=connection; prefixes="MultiXfer.Ssh.Connection.ConnectionService MultiXfer.Ssh.Connection.SessionChannel MultiXfer.Ssh.Connection.SshApplicationRegistry MultiXfer.Ssh.Wire.SshReader" ;;
  ssh-kex|ssh-identification)
                  profile=transport;  prefixes="MultiXfer.Ssh.SshSession MultiXfer.Ssh.Transport.SshTransport MultiXfer.Ssh.Transport.PacketReader MultiXfer.Ssh.Transport.KexInitMessage MultiXfer.Ssh.Transport.AlgorithmNegotiation MultiXfer.Ssh.Transport.PayloadDecompressor MultiXfer.Ssh.Algorithms MultiXfer.Ssh.Wire.SshReader" ;;
  ftp-control)    profile=ftp;        prefixes="MultiXfer.Ftp.Control MultiXfer.Ftp.Commands MultiXfer.Ftp.Listing.ListArguments MultiXfer.Ftp.Listing.MlstFacts" ;;
  *)              profile=all;        prefixes="" ;;
esac
base=$here/out/publish
publish=$here/out/publish-$profile

# --- tools -------------------------------------------------------------------------------------------------------
if ! command -v afl-fuzz >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "afl-fuzz is missing: apt-get install afl++ (as root)" >&2
    exit 1
  fi
  echo "installing afl++" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi

mkdir -p "$here/out"
exec 9>"$here/out/.prepare.lock"
flock 9   # one publish/instrument at a time (tests may start several targets)

if [ ! -x "$tools/sharpfuzz" ]; then
  echo "installing the sharpfuzz tool $sharpfuzz_version into $tools" >&2
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >/dev/null
fi

# --- publish once, instrument per profile, both cached ---------------------------------------------------------
stamp=$( { echo "sharpfuzz $sharpfuzz_version"; cd "$repo";
           find src fuzz/MultiXfer.Fuzz \( -name bin -o -name obj \) -prune -o -type f \
             \( -name '*.cs' -o -name '*.csproj' -o -name '*.json' -o -name '*.cnf' -o -path '*/Keys/*' \) -print0 \
             | sort -z | xargs -0 sha256sum;
           sha256sum Directory.Build.props Directory.Packages.props; } | sha256sum | cut -d' ' -f1 )
if [ "$(cat "$base/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "publishing the harness" >&2
  rm -rf "$base.tmp"
  dotnet publish "$repo/fuzz/MultiXfer.Fuzz/MultiXfer.Fuzz.csproj" -c Release -o "$base.tmp" -m:1 -nologo -v q \
    -p:UseAppHost=false >"$here/out/publish.log" 2>&1 || { cat "$here/out/publish.log" >&2; exit 1; }
  echo "$stamp" >"$base.tmp/.stamp"
  rm -rf "$base"
  mv "$base.tmp" "$base"
fi
profile_stamp="$stamp $prefixes"
if [ "$(cat "$publish/.stamp" 2>/dev/null)" != "$profile_stamp" ]; then
  echo "instrumenting the harness ($profile)" >&2
  rm -rf "$publish.tmp"
  cp -a "$base" "$publish.tmp"
  for dll in "$publish.tmp"/MultiXfer.*.dll; do
    [ "$(basename "$dll")" = MultiXfer.Fuzz.dll ] && continue
    # The tool targets net8/net9; roll forward onto whatever runtime this machine has. With prefixes, only the types
    # whose full names start with one are instrumented (an assembly without any is left as it was).
    # shellcheck disable=SC2086
    DOTNET_ROLL_FORWARD=Major "$tools/sharpfuzz" "$dll" $prefixes >>"$here/out/publish.log" 2>&1 \
      || { echo "sharpfuzz failed on $dll" >&2; cat "$here/out/publish.log" >&2; exit 1; }
  done
  echo "$profile_stamp" >"$publish.tmp/.stamp"
  rm -rf "$publish"
  mv "$publish.tmp" "$publish"
fi
flock -u 9

# --- fuzz ----------------------------------------------------------------------------------------------------------
if [ -z "${3:-}" ]; then
  rm -rf "$out"            # our own output directory: always a fresh start
else
  export AFL_AUTORESUME=1  # somebody else's directory: never delete it, resume in it
fi
mkdir -p "$out"
dict=()
[ -f "$here/dict/$target.dict" ] && dict=(-x "$here/dict/$target.dict")

export AFL_SKIP_BIN_CHECK=1                      # the target is `dotnet`; the instrumentation is in the MultiXfer dlls
export AFL_SKIP_CPUFREQ=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1   # containers pipe core dumps elsewhere
export AFL_NO_UI=1
export AFL_NO_AFFINITY=1                         # the cores are shared with other builds
export AFL_FAST_CAL=1
export AFL_SKIP_CRASHES=1
export DOTNET_TieredPGO=0
export DOTNET_gcServer=0

set +e
afl-fuzz -i "$corpus" -o "$out" -V "$seconds" -t "$timeout_ms" -m none "${dict[@]}" \
  -- dotnet "$publish/MultiXfer.Fuzz.dll" "$target" --afl @@ >"$out/afl.log" 2>&1
status=$?
set -e

stats=$out/default/fuzzer_stats
if [ ! -f "$stats" ]; then
  echo "afl-fuzz did not run (exit $status); the end of $out/afl.log:" >&2
  tail -n 30 "$out/afl.log" >&2
  exit 1
fi

value() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes=$(value saved_crashes); crashes=${crashes:-$(value unique_crashes)}
hangs=$(value saved_hangs); hangs=${hangs:-$(value unique_hangs)}
echo "summary target=$target seconds=$(value run_time) execs_done=$(value execs_done) execs_per_sec=$(value execs_per_sec)" \
  "bitmap_cvg=$(value bitmap_cvg) edges_found=$(value edges_found) corpus_count=$(value corpus_count)" \
  "stability=$(value stability) saved_crashes=${crashes:-0} saved_hangs=${hangs:-0}"
[ "${crashes:-0}" -eq 0 ] && [ "${hangs:-0}" -eq 0 ]  || exit 2
