#!/usr/bin/env bash
# Runs every MultiXfer test: installs the real clients the interop tests drive (Debian packages, as root),
# builds in Release, runs all test projects, and ends with one line "N passed, M failed" read from the results.
set -uo pipefail
cd "$(dirname "$0")"

# Real peers written by others: curl, lftp, Python's ftplib and paramiko, OpenSSH's ssh/sftp/scp/ssh-keygen, PuTTY's
# plink, openssl (TLS tests), ssh-audit, rclone, HAProxy (PROXY protocol tests), and OpenSSH's sshd and sftp-server (the sftp-server drop-in tests).
PACKAGES=(curl lftp python3 openssl openssh-client openssh-server openssh-sftp-server python3-paramiko putty-tools ssh-audit rclone haproxy)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing test clients: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { echo "apt-get failed"; echo "0 passed, 1 failed"; exit 1; }
  else
    echo "not root: install ${missing[*]} yourself (the interop tests fail without them)"
  fi
fi

results=TestResults
rm -rf "$results"
if ! dotnet build MultiXfer.sln -c Release -nologo -v q; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# Every test project under tests/ (not only those the solution lists), each with its own result file.
status=0
projects=$(find tests -name '*.Tests.csproj' | sort)
for project in $projects; do
  name=$(basename "$project" .csproj)
  grep -q "$name.csproj" MultiXfer.sln || { echo "$project is not in MultiXfer.sln"; status=1; }
  dotnet test "$project" -c Release --no-build -nologo --results-directory "$results" --logger "trx;LogFileName=$name.trx" \
    -- RunConfiguration.TreatNoTestsAsError=true || status=1
done

# Count from the TRX files themselves, one per test assembly.
read -r passed failed < <(/usr/bin/python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed"))
    failed += int(counters.get("failed")) + int(counters.get("error")) + int(counters.get("timeout")) + int(counters.get("aborted"))
print(passed, failed)
PY
)
trx_count=$(ls "$results"/*.trx 2>/dev/null | wc -l)
project_count=$(echo "$projects" | wc -w)
if { [ "$status" -ne 0 ] || [ "$trx_count" -ne "$project_count" ]; } && [ "${failed:-0}" -eq 0 ]; then
  failed=1  # the run itself broke (crash, missing results) without a failed test to show for it
fi
echo "test projects: $project_count, result files: $trx_count"
echo "${passed:-0} passed, ${failed:-1} failed"
[ "${failed:-1}" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
