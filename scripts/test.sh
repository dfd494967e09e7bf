#!/usr/bin/env bash
# Runs every test on every supported PostgreSQL version: the pg_regress and isolation suites
# (SQL with expected output), the scenarios (dump/restore, upgrade, adoption, load, crash,
# replica, security, Citus) on throwaway clusters, and the #[pg_test] units inside PostgreSQL.
# Exits non-zero on any failure, after a table of what passed on which version.
#   bash scripts/test.sh                every version in scripts/postgresql.sh (15 16 17 18)
#   bash scripts/test.sh 17 [18 …]      only these (or PG_VERSIONS="17 18" bash scripts/test.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/postgresql.sh
versions=${*:-${PG_VERSIONS:-$PG_VERSIONS_SUPPORTED}}
for v in $versions; do pg_supported "$v" || exit 2; done
bash scripts/setup.sh $versions || exit 1

# One version: build and install, then each kind of test; prints "regress isolation scenarios
# pg_test" statuses (0 = passed) as its last line.
test_version() ( # major version
    export PG_MAJOR=$1
    source scripts/env.sh
    echo "== PostgreSQL $PG_MAJOR: building and installing afu9_policy"
    install_extension || { echo "build 1 1 1 1"; exit; }
    local regress=0 isolation=0 scenarios=0 units=0 pgdata
    echo "== PostgreSQL $PG_MAJOR: SQL suites"
    bash scripts/suite.sh regress || regress=$?
    bash scripts/suite.sh isolation || isolation=$?
    bash scripts/scenario.sh || scenarios=$?
    echo "== PostgreSQL $PG_MAJOR: #[pg_test] units"
    # initdb refuses root: the test cluster runs as postgres in a directory it owns.
    pgdata=$(mktemp -d /tmp/afu9_policy_pg_test.XXXXXX)
    chown postgres: "$pgdata"
    cargo pgrx test "pg$PG_MAJOR" --runas postgres --pgdata "$pgdata" || units=$?
    rm -rf "$pgdata"
    echo "result $regress $isolation $scenarios $units"
)

word() { [ "$1" = 0 ] && echo passed || echo FAILED; }
summary=()
failed=0
mkdir -p target
for v in $versions; do
    started=$SECONDS
    log=target/test-pg$v.log
    test_version "$v" 2>&1 | tee "$log"
    read -r _ regress isolation scenarios units < <(grep -E '^(result|build) ' "$log" | tail -1)
    if grep -q '^build ' "$log"; then
        summary+=("PostgreSQL $v: build FAILED"); failed=1; continue
    fi
    summary+=("PostgreSQL $v: regress $(word "$regress"), isolation $(word "$isolation"), scenarios $(word "$scenarios"), pg_test $(word "$units") ($((SECONDS - started)) s)")
    [ "$regress$isolation$scenarios$units" = 0000 ] || failed=1
done
echo "== summary"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then echo "tests FAILED"; exit 1; fi
echo "all tests passed"
