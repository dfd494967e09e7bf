#!/usr/bin/env bash
# Runs the pg_regress suite (tests/pg_regress) against the installed extension on a throwaway
# PostgreSQL 15 cluster. Arguments name tests to run (default: all). Prints the diffs on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
out=target/pg_regress
rm -rf "$out" && mkdir -p "$out"
tests=${*:-$(cd tests/pg_regress/sql && ls *.sql | sed 's/\.sql$//')}
# pg_virtualenv makes a throwaway cluster even as root and removes it afterwards.
pg_virtualenv -v 15 -- "$PG_REGRESS" --inputdir=tests/pg_regress --outputdir="$out" \
    --bindir="$PG_BIN" --dbname=afu9_policy_regress $tests >"$out/pg_regress.log" 2>&1
status=$?
grep -E '^test |tests (passed|failed)' "$out/pg_regress.log" || cat "$out/pg_regress.log"
[ "$status" -ne 0 ] && [ -f "$out/regression.diffs" ] && cat "$out/regression.diffs"
total=$(echo $tests | wc -w)
passed=$(grep -cE '^test .* \.\.\. ok' "$out/pg_regress.log")
echo "pg_regress: ${passed} passed, $((total - passed)) failed"
exit "$status"
