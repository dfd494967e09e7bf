#!/usr/bin/env bash
# Concurrency, run on a throwaway cluster (scripts/scenario.sh): 8 pgbench clients for 30 seconds
# insert runs, generate verdicts and read the KPI views while the active policy changes every
# two seconds. Then: every committed run and verdict is there, each run snapshotted the version
# active when its INSERT began, and the invariants hold.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
report=$(mktemp)
trap 'rm -f "$report" "$report.activations"' EXIT
load_setup afu9_load
run_load afu9_load "${LOAD_SECONDS:-30}" "$report"
check "pgbench: every transaction committed, no client aborted" "0" "$?"
grep -E "^(number of (transactions|failed)|tps)" "$report"
check "pgbench's per-script counts add up to its total" "t" "$(counts_add_up "$report")"
runs=$(committed "$report" 1); with_verdicts=$(committed "$report" 2)
echo "committed: $runs runs, $with_verdicts runs with verdicts, $(committed "$report" 3) reads, $(wc -l <"$report.activations") activations"
check "activations committed during the load" "t" "$([ "$(wc -l <"$report.activations")" -ge 5 ] && echo t || echo f)"
check "every committed run is stored" "$runs" "$(q afu9_load "SELECT count(*) FROM workflow_executions WHERE workflow_id = 'load-run'")"
check "every committed run with a verdict is stored" "$with_verdicts" \
    "$(q afu9_load "SELECT count(*) FROM workflow_executions WHERE workflow_id = 'load-verdict'")"
check "every committed verdict is stored" "$with_verdicts" "$(q afu9_load "SELECT count(*) FROM verdicts")"
check "runs snapshotted both versions" "2" "$(q afu9_load "SELECT count(DISTINCT s.version) FROM workflow_executions e JOIN afu9_policy.policy_snapshots s ON s.id = e.policy_snapshot_id")"
check "every run's INSERT recorded the snapshot it saw" "$((runs + with_verdicts))" "$(q afu9_load "SELECT count(*) FROM load_seen")"
check "every run snapshotted the version active when its INSERT began" "0" "$(misversioned afu9_load)"
check_invariants afu9_load "after the load"
finish load
