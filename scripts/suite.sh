#!/usr/bin/env bash
# Runs a suite with expected output against the installed extension on a throwaway cluster
# of PostgreSQL $PG_MAJOR (default 15), and prints the diffs on failure.
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
out=target/$kind/pg$PG_MAJOR
rm -rf "$out" && mkdir -p "$out"
tests=${*:-$(cd "$dir/$inputs" && ls *."$ext" | sed "s/\.$ext\$//")}
with_cluster "$runner" --inputdir="$dir" --outputdir="$out" \
    --bindir="$PG_BIN" --dbname="afu9_policy_$kind" $tests >"$out/$kind.log" 2>&1
status=$?
grep -E '^(not )?ok |^test |tests (passed|failed)' "$out/$kind.log" || cat "$out/$kind.log"
[ "$status" -ne 0 ] && [ -f "$out/regression.diffs" ] && cat "$out/regression.diffs"
total=$(echo $tests | wc -w)
passed=$(grep -cE '^(test .* \.\.\. ok|ok [0-9]+ )' "$out/$kind.log")
echo "$kind on PostgreSQL $PG_MAJOR: ${passed} passed, $((total - passed)) failed"
exit "$status"
