#!/usr/bin/env bash
# Runs scenario tests (tests/scenarios/NAME.sh) against the installed extension, each on its
# own throwaway PostgreSQL 15 cluster made by Debian's pg_virtualenv.
#   bash scripts/scenario.sh [name …]   default: every scenario
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
names=${*:-$(cd tests/scenarios && ls *.sh | grep -vx lib.sh | sed 's/\.sh$//')}
status=0
for name in $names; do
    echo "== scenario $name"
    pg_virtualenv -t -v 15 -- bash "tests/scenarios/$name.sh" || status=1
done
exit "$status"
