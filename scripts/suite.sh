#!/usr/bin/env bash
# Runs a suite with expected output against the installed extension on a throwaway PostgreSQL 15
# cluster made by Debian's pg_virtualenv, and prints the diffs on failure.
#   bash scripts/suite.sh regress [test …]     tests/pg_regress/sql/*.sql (pg_regress)
#   bash scripts/suite.sh isolation [test …]   tests/isolation/specs/*.spec (isolation tester)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
kind=${1:?usage: scripts/suite.sh regress|isolation [test ...]}
shift
case "$kind" in
    regress) dir=tests/pg_regress; inputs=sql; ext=sql; runner=$PG_REGRESS ;;
    isolation) dir=tests/isolation; inputs=specs; ext=spec; runner=$PG_ISOLATION_REGRESS ;;
    *) echo "usage: scripts/suite.sh regress|isolation [test ...]" >&2; exit 2 ;;
esac
out=target/$kind
rm -rf "$out" && mkdir -p "$out"
tests=${*:-$(cd "$dir/$inputs" && ls *."$ext" | sed "s/\.$ext\$//")}
pg_virtualenv -t -v 15 -- "$runner" --inputdir="$dir" --outputdir="$out" \
    --bindir="$PG_BIN" --dbname="afu9_policy_$kind" $tests >"$out/$kind.log" 2>&1
status=$?
grep -E '^test |tests (passed|failed)' "$out/$kind.log" || cat "$out/$kind.log"
[ "$status" -ne 0 ] && [ -f "$out/regression.diffs" ] && cat "$out/regression.diffs"
total=$(echo $tests | wc -w)
passed=$(grep -cE '^test .* \.\.\. ok' "$out/$kind.log")
echo "$kind: ${passed} passed, $((total - passed)) failed"
exit "$status"
