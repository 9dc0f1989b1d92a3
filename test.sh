#!/usr/bin/env bash
# Runs every MultiXfer test: installs the real clients the interop tests drive (Debian packages, as root),
# builds in Release, runs all test projects, and ends with one line "N passed, M failed, K skipped" read from the
# results (a test skips only for what the machine cannot do, and says why).
set -uo pipefail
cd "$(dirname "$0")"

# Real peers written by others: curl, lftp, Python's ftplib and paramiko, OpenSSH's ssh/sftp/scp/ssh-keygen, PuTTY's
# plink, openssl (TLS tests), ssh-audit, rclone, HAProxy (PROXY protocol tests), OpenSSH's sshd and sftp-server (the
# sftp-server drop-in tests), AFL++ (the fuzzing smoke; fuzz/run.sh installs the sharpfuzz tool itself), and the
# tools that make the password hashes accounts bring along: htpasswd (bcrypt, apr1), mkpasswd (SHA-crypt), argon2;
# PostgreSQL, whose server the account-store tests start as a throwaway cluster of their own (initdb on a free port);
# Prometheus, which the metrics test starts on a free port to scrape the server; webalizer, which reads the xferlog;
# and crc32 (libarchive-zip-perl), beside coreutils' sha256sum and md5sum, to check the FTP checksum commands.
PACKAGES=(curl lftp python3 openssl openssh-client openssh-server openssh-sftp-server python3-paramiko putty-tools ssh-audit rclone haproxy afl++ prometheus webalizer
  apache2-utils whois argon2 postgresql libarchive-zip-perl)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing test clients: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { echo "apt-get failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
  else
    echo "not root: install ${missing[*]} yourself (the interop tests fail without them)"
  fi
fi

# sshd wants its privilege-separation directory, which lives on /run and is gone after a reboot.
[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd

results=TestResults
rm -rf "$results"
if ! dotnet build MultiXfer.sln -c Release -nologo -v q; then
  echo "build failed"
  echo "0 passed, 1 failed, 0 skipped"
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
read -r passed failed skipped < <(/usr/bin/python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
failures = []
for path in glob.glob(sys.argv[1] + "/*.trx"):
    root = ET.parse(path).getroot()
    counters = root.find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed"))
    failed += int(counters.get("failed")) + int(counters.get("error")) + int(counters.get("timeout")) + int(counters.get("aborted"))
    # Each skip with the reason the test gave. The logger leaves the counters' notExecuted at 0 for skipped
    # tests (they are only in total), so the skips are counted from the results.
    for result in root.iterfind("t:Results/t:UnitTestResult[@outcome='NotExecuted']", ns):
        skipped += 1
        reason = result.find("t:Output/t:ErrorInfo/t:Message", ns)
        print("skipped:", result.get("testName"), "-", reason.text if reason is not None else "no reason given", file=sys.stderr)
    for result in root.iterfind("t:Results/t:UnitTestResult[@outcome='Failed']", ns):
        message = result.find("t:Output/t:ErrorInfo/t:Message", ns)
        first = (message.text or "").strip().splitlines()[0] if message is not None and message.text else "no message"
        failures.append(f"failed: {result.get('testName')} - {first[:300]}")
# Each failure again, last, with the first line of its message: the end of a long log still says what broke.
for line in failures:
    print(line, file=sys.stderr)
print(passed, failed, skipped)
PY
)
trx_count=$(ls "$results"/*.trx 2>/dev/null | wc -l)
project_count=$(echo "$projects" | wc -w)
if { [ "$status" -ne 0 ] || [ "$trx_count" -ne "$project_count" ]; } && [ "${failed:-0}" -eq 0 ]; then
  failed=1  # the run itself broke (crash, missing results) without a failed test to show for it
fi
echo "test projects: $project_count, result files: $trx_count"
echo "${passed:-0} passed, ${failed:-1} failed, ${skipped:-0} skipped"
[ "${failed:-1}" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
