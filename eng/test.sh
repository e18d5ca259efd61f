#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs what the tests need, then runs every test project.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Azure Storage emulator for the integration tests, pinned by the lockfile.
if [ ! -x eng/azurite/node_modules/.bin/azurite ]; then
  npm ci --prefix eng/azurite --no-audit --no-fund --loglevel=error
fi

dotnet build Recommender.sln -c Release

rm -rf TestResults/reliability
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test Recommender.sln -c Release --no-build --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?

# What the reliability tests recorded (eng/reliability-table.sh copies it into the README).
if compgen -G "TestResults/reliability/*.md" > /dev/null; then
  cat TestResults/reliability/*.md
fi

# Tests skipped for want of data say why once, here, rather than once per test.
grep -ho 'MovieLens 100K not available: .*' "$log" | sort -u | sed 's/^/SKIPPED: /' || true

# One closing line for the whole suite, summed over the test projects.
awk '/^ +Passed: +[0-9]+$/ { passed += $2 } /^ +Failed: +[0-9]+$/ { failed += $2 } /^ +Skipped: +[0-9]+$/ { skipped += $2 }
     END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
exit "$status"
