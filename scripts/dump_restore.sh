#!/usr/bin/env bash
# The pg_dump / pg_restore round trip test (tests/dump_restore.sh) on a throwaway cluster.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
pg_virtualenv -t -v 15 -- bash tests/dump_restore.sh
