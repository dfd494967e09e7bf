#!/usr/bin/env bash
# Runs scenario tests (tests/scenarios/NAME.sh) against the installed extension, each on its
# own throwaway cluster of PostgreSQL $PG_MAJOR (default 15).
#   bash scripts/scenario.sh [name …]   default: every scenario
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
names=${*:-$(cd tests/scenarios && ls *.sh | grep -vx lib.sh | sed 's/\.sh$//')}
status=0
for name in $names; do
    echo "== scenario $name (PostgreSQL $PG_MAJOR)"
    with_cluster bash "tests/scenarios/$name.sh" || status=1
done
exit "$status"
