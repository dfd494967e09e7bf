#!/usr/bin/env bash
# Runs every test: the pg_regress suite (SQL with expected output) against a throwaway
# PostgreSQL 15 cluster, then the #[pg_test] units inside PostgreSQL. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup.sh

echo "== building and installing afu9_policy"
cargo pgrx install --pg-config "$PG_CONFIG"

echo "== pg_regress"
out=target/pg_regress
rm -rf "$out" && mkdir -p "$out"
tests=$(cd tests/pg_regress/sql && ls *.sql | sed 's/\.sql$//')
regress_status=0
# pg_virtualenv makes a throwaway cluster even as root and removes it afterwards.
pg_virtualenv -v 15 -- "$PG_REGRESS" --inputdir=tests/pg_regress --outputdir="$out" \
    --bindir="$PG_BIN" --use-existing --dbname=afu9_policy_regress $tests || regress_status=$?
if [ "$regress_status" -ne 0 ]; then
    [ -f "$out/regression.diffs" ] && cat "$out/regression.diffs"
fi
total=$(echo "$tests" | wc -w)
failed=$(grep -c 'FAILED' "$out/regression.out" 2>/dev/null || true)
echo "pg_regress: $((total - failed)) passed, ${failed} failed"

echo "== #[pg_test] units"
# initdb refuses root: the test cluster runs as postgres in a directory it owns.
pgdata=$(pwd)/target/pg_test_data
rm -rf "$pgdata" && mkdir -p "$pgdata" && chown postgres: "$pgdata"
chmod o+x "$(pwd)" "$(pwd)/target" 2>/dev/null || true
unit_status=0
cargo pgrx test pg15 --runas postgres --pgdata "$pgdata" || unit_status=$?

if [ "$regress_status" -ne 0 ] || [ "$unit_status" -ne 0 ]; then
    echo "tests FAILED (pg_regress: $regress_status, pg_test: $unit_status)"
    exit 1
fi
echo "all tests passed"
