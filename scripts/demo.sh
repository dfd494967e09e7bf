#!/usr/bin/env bash
# The main job: installs what is missing, builds and installs afu9_policy (release), starts a
# throwaway PostgreSQL 15 cluster and runs the example workload in scripts/demo.sql on it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/setup.sh
echo "== building and installing afu9_policy (release)"
install_extension --release
pg_virtualenv -t -v 15 -- psql -X -f scripts/demo.sql
