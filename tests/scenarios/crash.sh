#!/usr/bin/env bash
# Crash, run on a throwaway cluster (scripts/scenario.sh): in the middle of the concurrent load
# of load.sh the postmaster and all its processes are killed with SIGKILL; the cluster restarts
# and recovers. Every transaction a client saw commit is there (at most one more per client:
# one whose commit was written but not yet acknowledged), and the invariants hold.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
report=$(mktemp)
trap 'rm -f "$report" "$report.activations"' EXIT
load_setup afu9_crash
data=$(q postgres "SHOW data_directory")
run_load afu9_crash 20 "$report" &
load=$!
sleep 8
postmaster=$(head -1 "$data/postmaster.pid")
children=$(pgrep -P "$postmaster")
check "load running when the server is killed" "t" "$(q afu9_crash "SELECT count(*) >= 8 FROM pg_stat_activity WHERE application_name = 'pgbench'")"
kill -KILL "$postmaster" $children
wait "$load"
check "the clients lost their server" "t" "$(grep -q "aborted" "$report" && echo t || echo f)"

as_cluster_owner "$PG_BIN/pg_ctl" -D "$data" -l "$PG_LOG" -w -t 60 start >/dev/null \
    || { echo "FAIL the cluster does not restart"; cat "$report"; exit 1; }
check "recovery ran and finished" "f" "$(q postgres "SELECT pg_is_in_recovery()")"
check "the server log shows the crash recovery" "t" "$(grep -q "database system was interrupted" "$PG_LOG" && echo t || echo f)"

runs=$(committed "$report" 1); with_verdicts=$(committed "$report" 2)
stored_runs=$(q afu9_crash "SELECT count(*) FROM workflow_executions WHERE workflow_id = 'load-run'")
stored_with_verdicts=$(q afu9_crash "SELECT count(*) FROM workflow_executions WHERE workflow_id = 'load-verdict'")
echo "clients saw commit: $runs runs, $with_verdicts runs with verdicts; stored: $stored_runs, $stored_with_verdicts"
within() { [ "$2" -ge "$1" ] && [ "$2" -le $(($1 + 8)) ] && echo t || echo f; }
check "every run a client saw commit is stored" "t" "$(within "$runs" "$stored_runs")"
check "every run with a verdict a client saw commit is stored" "t" "$(within "$with_verdicts" "$stored_with_verdicts")"
check "each stored run of script 2 has its verdict" "$stored_with_verdicts" "$(q afu9_crash "SELECT count(*) FROM verdicts")"
check "every run snapshotted the version active when its INSERT began" "0" "$(misversioned afu9_crash)"
check_invariants afu9_crash "after the crash"

# The recovered server goes on: runs, verdicts and a new activation.
q afu9_crash "INSERT INTO workflow_executions (workflow_id, status) SELECT 'after-crash', 'failed' FROM generate_series(1, 10)" >/dev/null
q afu9_crash "SELECT count(generate_verdict(id, '[{\"resourceType\": \"R\", \"statusReason\": \"secret not found\"}]')) FROM workflow_executions WHERE workflow_id = 'after-crash'" >/dev/null
q afu9_crash "SELECT activate_policy('v1.1.0')" >/dev/null
check "runs after the recovery get snapshots" "10" "$(q afu9_crash "SELECT count(policy_snapshot_id) FROM workflow_executions WHERE workflow_id = 'after-crash'")"
check_invariants afu9_crash "after the recovery"
finish crash
