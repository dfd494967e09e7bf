#!/usr/bin/env bash
# The main job: installs what is missing, builds and installs afu9_policy (release), starts a
# throwaway cluster of PostgreSQL $PG_MAJOR (default 15) and runs the example workload in
# scripts/demo.sql on it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup.sh "$PG_MAJOR"
echo "== building and installing afu9_policy (release)"
install_extension --release
with_cluster psql -X -f scripts/demo.sql
