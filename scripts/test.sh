#!/usr/bin/env bash
# Runs every test: the pg_regress and isolation suites (SQL with expected output) and the
# scenarios (dump/restore, upgrade, load, crash, replica) against throwaway PostgreSQL 15
# clusters, then the #[pg_test] units inside PostgreSQL. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup.sh

echo "== building and installing afu9_policy"
install_extension
# Earlier releases' install scripts, for the upgrade scenario.
cp sql/releases/afu9_policy--* "$("$PG_CONFIG" --sharedir)/extension/"

echo "== SQL suites"
suites_status=0
bash scripts/suite.sh regress || suites_status=$?
bash scripts/suite.sh isolation || suites_status=$?
bash scripts/scenario.sh || suites_status=$?

echo "== #[pg_test] units"
# initdb refuses root: the test cluster runs as postgres in a directory it owns.
pgdata=$(mktemp -d /tmp/afu9_policy_pg_test.XXXXXX)
chown postgres: "$pgdata"
trap 'rm -rf "$pgdata"' EXIT
unit_status=0
cargo pgrx test pg15 --runas postgres --pgdata "$pgdata" || unit_status=$?

if [ "$suites_status" -ne 0 ] || [ "$unit_status" -ne 0 ]; then
    echo "tests FAILED (SQL suites: $suites_status, pg_test: $unit_status)"
    exit 1
fi
echo "all tests passed"
