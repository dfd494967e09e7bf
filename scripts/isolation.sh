#!/usr/bin/env bash
# Runs the isolation tests (tests/isolation: two sessions interleaved step by step) against the
# installed extension on a throwaway PostgreSQL 15 cluster. Prints the diffs on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
out=target/isolation
rm -rf "$out" && mkdir -p "$out"
tests=${*:-$(cd tests/isolation/specs && ls *.spec | sed 's/\.spec$//')}
pg_virtualenv -v 15 -- "$PG_ISOLATION_REGRESS" --inputdir=tests/isolation --outputdir="$out" \
    --bindir="$PG_BIN" --dbname=afu9_policy_isolation $tests >"$out/isolation.log" 2>&1
status=$?
grep -E '^test |tests (passed|failed)' "$out/isolation.log" || cat "$out/isolation.log"
[ "$status" -ne 0 ] && [ -f "$out/regression.diffs" ] && cat "$out/regression.diffs"
total=$(echo $tests | wc -w)
passed=$(grep -cE '^test .* \.\.\. ok' "$out/isolation.log")
echo "isolation: ${passed} passed, $((total - passed)) failed"
exit "$status"
