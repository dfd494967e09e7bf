#!/usr/bin/env bash
# Scale-out with Citus, run by scripts/scenario.sh (beside the throwaway cluster it is given,
# which it leaves alone): builds Citus (scripts/citus.sh; cached after the first build) and starts a
# cluster of its own, a coordinator and two workers on 127.0.0.1 (CITUS_PORTS, default 9700
# 9701 9702), data in target/citus/scenario. Then, through the coordinator:
#   - CREATE EXTENSION afu9_policy, which Citus runs on every worker too;
#   - citus/distribute.sql: the extension's tables become reference tables, the runs are
#     distributed by id and the verdicts by execution_id, co-located with their runs;
#   - pgbench clients insert runs, and verdicts for some with the snapshot id their run got,
#     for CITUS_LOAD_SECONDS (10) while the active policy switches between two versions;
#     every run has its snapshot, a verdict naming another snapshot is refused by the composite
#     foreign key, the KPIs, audits and factory status answer, the ledger seals and verifies;
#   - the cost of the snapshot trigger: single-row run inserts per second into the
#     distributed runs with it and into a copy without it (citus_tps_* lines).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
source "$root/scripts/citus.sh"
if ! citus_supported; then
    echo "citus: skipped, Citus 13.2.2 does not support PostgreSQL $CITUS_PG_MAJOR (it supports $CITUS_PG_MAJORS)"
    exit 0
fi
export CITUS_DB=afu9_citus
dir=$root/target/citus/scenario
load_seconds=${CITUS_LOAD_SECONDS:-10}
bench_seconds=${CITUS_BENCH_SECONDS:-5}
coordinator=${CITUS_PORTS%% *}
workers=${CITUS_PORTS#* }
work=$(mktemp -d)
started=$SECONDS

cleanup() {
    citus_stop "$dir"
    # The nodes' logs are kept (target/citus/logs); their data is not.
    mkdir -p "$root/target/citus/logs" && cp "$dir"/n*.log "$root/target/citus/logs/" 2>/dev/null
    rm -rf "$work" "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# psql on a node of the Citus cluster (not the throwaway one): c PORT SQL, one value per line.
c() { local port=$1; shift; citus_psql "$port" -At "$@"; }
# The SQLSTATE statements fail with on the coordinator, empty if they succeed; the error goes
# to $work/last_error. Each argument is a statement of its own, all in one session (a BEGIN
# holds them in one transaction): Citus propagates DDL by its query string and refuses a
# string of several commands ("cannot insert multiple commands into a prepared statement").
sqlstate() {
    local statements=() s
    for s in "$@"; do statements+=(-c "$s"); done
    citus_psql "$coordinator" -At -v VERBOSITY=verbose "${statements[@]}" >/dev/null 2>"$work/last_error"
    sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p' "$work/last_error" | head -1
}
# A value, or the first line of the error it fails with (so that a failed check says why).
value() { # port, sql
    local out
    out=$(c "$1" -c "$2" 2>&1) || out="ERROR: $(grep -m1 '^ERROR' <<<"$out" | sed 's/^ERROR: *//')"
    echo "$out"
}
fail_and_finish() { # what failed
    check "$1" "ok" "failed"
    echo "citus scenario: $((SECONDS - started)) s"
    finish citus
    exit 1
}

# --- Citus, a cluster, the extension on every node ---------------------------------------
citus_build || fail_and_finish "Citus builds and installs"
check "Citus builds and installs (or is the cached build)" "ok" "ok"
citus_stop "$dir" >/dev/null 2>&1
rm -rf "$dir"
citus_start "$dir" || fail_and_finish "the three-node Citus cluster starts"
check "the cluster has its coordinator and two workers" "2" \
    "$(value "$coordinator" "SELECT count(*) FROM pg_dist_node WHERE groupid > 0 AND noderole = 'primary' AND isactive")"

t=$(_citus_now)
c "$coordinator" -c "CREATE EXTENSION afu9_policy" >/dev/null 2>"$work/err"
check "CREATE EXTENSION afu9_policy on the coordinator" "" "$(grep -m1 '^ERROR' "$work/err")"
version=$(value "$coordinator" "SELECT extversion FROM pg_extension WHERE extname = 'afu9_policy'")
objects="SELECT count(*) FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
           AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy')"
for w in $workers; do
    # Citus ran CREATE EXTENSION on the worker: the whole script, seed policy included.
    check "worker $w: afu9_policy installed by Citus, same version" "$version" \
        "$(value "$w" "SELECT extversion FROM pg_extension WHERE extname = 'afu9_policy'")"
    check "worker $w: every object of the extension's script is there" "$(value "$coordinator" "$objects")" \
        "$(value "$w" "$objects")"
    check "worker $w: its own script activated the seed policy" "v1.0.0" \
        "$(value "$w" "SELECT version FROM afu9_policy.active_policy_version()")"
done
echo "extension on every node: $(_citus_took "$t")"

# --- Distribution ------------------------------------------------------------------------
t=$(_citus_now)
c "$coordinator" -v ON_ERROR_STOP=1 -P footer=off -F ' | ' -f "$here/citus/distribute.sql" >"$work/distribute.out" 2>&1
status=$?
grep -v '^\(SET\|BEGIN\|COMMIT\|DO\|CREATE TABLE\|CREATE FUNCTION\|INSERT 0 [0-9]*\|SELECT [0-9]*\|\)$' "$work/distribute.out" | sed 's/^/  /'
check "citus/distribute.sql runs through" "0" "$status"
echo "distribution: $(_citus_took "$t")"
check "every table of the extension is a reference table" \
    "$(value "$coordinator" "SELECT count(*) FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
                              WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind = 'r'
                                AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy')")" \
    "$(value "$coordinator" "SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
                              WHERE p.partmethod = 'n' AND c.relnamespace = 'afu9_policy'::regnamespace")"
check "runs distributed by id, verdicts by execution_id, co-located" "workflow_executions:id verdicts:execution_id 1" \
    "$(value "$coordinator" "SELECT string_agg(logicalrelid::text || ':' || column_to_column_name(logicalrelid, partkey), ' ' ORDER BY logicalrelid::text DESC)
                                    || ' ' || count(DISTINCT colocationid)
                               FROM pg_dist_partition WHERE logicalrelid IN ('public.workflow_executions'::regclass, 'public.verdicts'::regclass)")"
check "the verdicts' (execution_id, policy_snapshot_id) references the run's (id, policy_snapshot_id)" "1" \
    "$(value "$coordinator" "SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.verdicts'::regclass AND contype = 'f'
                               AND confrelid = 'public.workflow_executions'::regclass
                               AND pg_get_constraintdef(oid) LIKE 'FOREIGN KEY (execution_id, policy_snapshot_id) REFERENCES workflow_executions(id, policy_snapshot_id)%'")"
for w in $workers; do
    check "worker $w: knows every Citus table (metadata synced)" \
        "$(value "$coordinator" "SELECT count(*) FROM pg_dist_partition")" "$(value "$w" "SELECT count(*) FROM pg_dist_partition")"
done

# --- Runs through the coordinator --------------------------------------------------------
snapshot_columns="policy_snapshot_id IS NOT NULL AND policy_version_id IS NOT NULL
                  AND policy_snapshot_taken_at IS NOT NULL AND policy_snapshot_taken_by IS NOT NULL"
out=$(value "$coordinator" "INSERT INTO public.workflow_executions (workflow_id, status) VALUES ('citus-one', 'running')
                            RETURNING $snapshot_columns")
check "a run inserted through the coordinator gets its snapshot in its row (the trigger fires on a worker's shard)" "t" "$out"
check "100 runs of one INSERT ... SELECT get 100 snapshots" "100 100" \
    "$(value "$coordinator" "WITH r AS (INSERT INTO public.workflow_executions (workflow_id, status)
                                         SELECT 'citus-many', 'running' FROM generate_series(1, 100)
                                         RETURNING policy_snapshot_id, policy_version_id)
                               SELECT count(policy_version_id) || ' ' || count(DISTINCT policy_snapshot_id) FROM r")"

# --- Load: runs and verdicts while the active policy switches -----------------------------
c "$coordinator" -c "SELECT afu9_policy.publish_policy('v1.1.0', afu9_policy.active_policy() || '{\"note\": \"v1.1.0\"}', false)" \
                 -c "SELECT afu9_policy.publish_policy('v1.2.0', afu9_policy.active_policy() || '{\"note\": \"v1.2.0\"}', false)" \
    >/dev/null 2>"$work/err"
check "two versions published on the coordinator" "" "$(grep -m1 '^ERROR' "$work/err")"
signals='[{"resourceType": "AWS::SecretsManager::Secret", "statusReason": "secret not found"}]'
cat >"$work/runs.sql" <<'SQL'
INSERT INTO public.workflow_executions (workflow_id, status, triggered_by) VALUES ('citus-load-run', 'running', 'pgbench');
SQL
# A failed run and its verdict, linked to the snapshot the run got, classified by the policy
# (the versions differ in a note only, so the active one classifies as the run's does).
cat >"$work/verdicts.sql" <<SQL
BEGIN;
INSERT INTO public.workflow_executions (workflow_id, status, error, triggered_by)
VALUES ('citus-load-verdict', 'failed', 'secret not found', 'pgbench')
RETURNING id AS run_id, policy_snapshot_id AS snapshot_id \\gset
INSERT INTO public.verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score,
                             proposed_action, verdict_type, tokens, signals, playbook_id)
SELECT ':run_id', ':snapshot_id', c.fingerprint_id, c.error_class, c.service, c.confidence_score,
       c.proposed_action, c.verdict_type, c.tokens, '$signals', c.playbook_id
  FROM afu9_policy.classify_failure('$signals', afu9_policy.active_policy()) c;
COMMIT;
SQL
(
    end=$((SECONDS + load_seconds)); next=v1.1.0
    while [ "$SECONDS" -lt "$end" ]; do
        sleep 0.5
        c "$coordinator" -c "SELECT afu9_policy.activate_policy('$next')" >/dev/null 2>&1 && echo "$next"
        if [ "$next" = v1.1.0 ]; then next=v1.2.0; else next=v1.1.0; fi
    done
) >"$work/activations" &
activator=$!
# One pgbench thread: its per-script counts are then exact (see lib.sh).
"$CITUS_PG_BIN/pgbench" -n -h 127.0.0.1 -p "$coordinator" -U postgres -c 4 -j 1 -T "$load_seconds" \
    -f "$work/runs.sql@3" -f "$work/verdicts.sql@2" "$CITUS_DB" >"$work/load" 2>&1
status=$?
wait "$activator"
grep -E "^(number of (transactions|failed)|tps)|aborted|ERROR" "$work/load" | head -5
check "pgbench through the coordinator: every client ran to the end" "0" "$status"
runs=$(committed "$work/load" 1); with_verdicts=$(committed "$work/load" 2)
echo "committed: ${runs:-0} runs, ${with_verdicts:-0} runs with verdicts, $(wc -l <"$work/activations") activations"
check "activations committed during the load" "t" "$([ "$(wc -l <"$work/activations")" -ge 5 ] && echo t || echo f)"
check "every committed run is stored" "${runs:-none}" \
    "$(value "$coordinator" "SELECT count(*) FROM public.workflow_executions WHERE workflow_id = 'citus-load-run'")"
check "every committed run with a verdict is stored, and its verdict" "${with_verdicts:-none} ${with_verdicts:-none}" \
    "$(value "$coordinator" "SELECT (SELECT count(*) FROM public.workflow_executions WHERE workflow_id = 'citus-load-verdict')
                                    || ' ' || (SELECT count(*) FROM public.verdicts)")"
check "every run has its snapshot (id, version, time, role)" "0" \
    "$(value "$coordinator" "SELECT count(*) FROM public.workflow_executions WHERE NOT ($snapshot_columns)")"
check "no snapshot id names two runs (no unique index can say so on Citus)" "0" \
    "$(value "$coordinator" "SELECT count(policy_snapshot_id) - count(DISTINCT policy_snapshot_id) FROM public.workflow_executions")"
check "the load's runs snapshotted both versions it switched between" "v1.1.0 v1.2.0" \
    "$(value "$coordinator" "SELECT string_agg(DISTINCT v.version, ' ' ORDER BY v.version)
                               FROM public.workflow_executions e JOIN afu9_policy.policy_versions v ON v.id = e.policy_version_id
                              WHERE e.workflow_id LIKE 'citus-load-%' AND v.version <> 'v1.0.0'")"
check "every verdict references its run's snapshot" "0" \
    "$(value "$coordinator" "SELECT count(*) FROM public.verdicts v LEFT JOIN public.workflow_executions e ON e.id = v.execution_id
                              WHERE e.policy_snapshot_id IS DISTINCT FROM v.policy_snapshot_id")"

# --- A verdict naming another snapshot than its run's ------------------------------------
run=$(value "$coordinator" "SELECT id FROM public.workflow_executions WHERE workflow_id = 'citus-load-verdict' LIMIT 1")
wrong="INSERT INTO public.verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
       VALUES ('$run', gen_random_uuid(), 'f', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE')"
state=$(sqlstate "$wrong")
check "a verdict naming another snapshot than its run's is refused" "t" \
    "$([[ "$state" =~ ^23 ]] && echo t || echo "f ($state $(grep -m1 ERROR "$work/last_error"))")"
# The composite foreign key alone, with the link trigger off (in a transaction rolled back).
state=$(sqlstate "BEGIN" "SET LOCAL citus.enable_unsafe_triggers = on" \
                 "ALTER TABLE public.verdicts DISABLE TRIGGER link_verdict_to_snapshot" "$wrong" "ROLLBACK")
check "... refused by the composite foreign key itself (23503), on the run's node" "23503" "$state"
grep -m1 ERROR "$work/last_error"
check "the link trigger is back after the rollback" "A" \
    "$(value "$coordinator" "SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'public.verdicts'::regclass AND tgname = 'link_verdict_to_snapshot'")"

# --- What the coordinator answers --------------------------------------------------------
t=$(_citus_now)
total_runs=$(value "$coordinator" "SELECT count(*) FROM public.workflow_executions")
total_verdicts=$(value "$coordinator" "SELECT count(*) FROM public.verdicts")
check "policy_kpis: every run covered, every verdict linked and traced" "$total_runs|100.00|$total_verdicts|100.00|100.00|0" \
    "$(value "$coordinator" "SELECT * FROM afu9_policy.policy_kpis")"
check "audit_verdicts(): every verdict audited, all compliant" "$total_verdicts $total_verdicts" \
    "$(value "$coordinator" "SELECT count(*) || ' ' || count(*) FILTER (WHERE compliant) FROM afu9_policy.audit_verdicts()")"
check "noncompliant_verdicts is empty" "0" "$(value "$coordinator" "SELECT count(*) FROM afu9_policy.noncompliant_verdicts")"
check "factory_status(): totals of runs and verdicts" "$total_runs $total_verdicts" \
    "$(value "$coordinator" "SELECT (s->'runs'->>'total') || ' ' || (s->'verdicts'->'kpis'->>'totalVerdicts')
                               FROM afu9_policy.factory_status() s")"
# Called with a value, not once per row of a query over the runs: Citus would run that query on
# the workers' shards, where the function's own queries are refused ("cannot execute a
# distributed query from a query on a shard").
one=$(value "$coordinator" "SELECT id FROM public.workflow_executions WHERE workflow_id = 'citus-one'")
check "generate_verdict() through the coordinator" "MISSING_SECRET" \
    "$(value "$coordinator" "SELECT (afu9_policy.generate_verdict('$one', '$signals')).error_class")"
check "seal_policy_ledger() seals the runs' snapshots and the verdicts" "t" \
    "$(value "$coordinator" "SELECT afu9_policy.seal_policy_ledger() >= $total_runs")"
check "verify_policy_ledger() finds nothing" "0" "$(value "$coordinator" "SELECT count(*) FROM afu9_policy.verify_policy_ledger()")"
# An experiment: the trigger on the workers' shards reads it from the reference tables; its
# analytics and the governance report are answered by the coordinator.
value "$coordinator" "SELECT afu9_policy.publish_policy('v9.0.0', afu9_policy.active_policy(), false)" >/dev/null
value "$coordinator" "SELECT afu9_policy.start_policy_experiment('citus-ab', '[{\"version\": \"v1.0.0\", \"weight\": 1}, {\"version\": \"v9.0.0\", \"weight\": 1}]')" >/dev/null
value "$coordinator" "INSERT INTO public.workflow_executions (workflow_id, status) SELECT 'citus-ab', 'completed' FROM generate_series(1, 200)" >/dev/null
check "an experiment decides runs on the workers, recomputably" "200 true 2" \
    "$(value "$coordinator" "SELECT count(*) || ' ' || bool_and(consistent) || ' ' || count(DISTINCT policy_version) FROM afu9_policy.policy_experiment_runs")"
check "its results per arm" "2" "$(value "$coordinator" "SELECT count(*) FROM afu9_policy.policy_experiment_results WHERE experiment = 'citus-ab'")"
value "$coordinator" "SELECT afu9_policy.stop_policy_experiment('citus-ab')" >/dev/null
check "the governance report" "6" \
    "$(value "$coordinator" "SELECT count(*) FROM regexp_matches(afu9_policy.policy_report(), '<section id=', 'g')")"
# The invariants every scenario ends with, asked of the coordinator.
PGHOST=127.0.0.1 PGPORT=$coordinator PGUSER=postgres check_invariants "$CITUS_DB" "on the Citus coordinator"
echo "KPIs, audits, status and ledger over $total_runs runs and $total_verdicts verdicts: $(_citus_took "$t")"

# --- The snapshot trigger's cost ---------------------------------------------------------
# Single-row run inserts through the coordinator, 4 clients: into the distributed runs (the
# trigger fires on a worker's shard) and into a copy of them without the extension's triggers,
# distributed the same way (co-located, same indexes). Three servers and pgbench share the
# machine: the ratio is what compares.
c "$coordinator" -c "CREATE TABLE public.citus_bench_plain (LIKE public.workflow_executions INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)" \
                 -c "SELECT create_distributed_table('public.citus_bench_plain', 'id', colocate_with => 'public.workflow_executions')" \
    >/dev/null 2>"$work/err"
check "a copy of the runs without the trigger, distributed the same way" "" "$(grep -m1 '^ERROR' "$work/err")"
tps() { # table: transactions per second of single-row inserts
    echo "INSERT INTO $1 (workflow_id, status, triggered_by) VALUES ('citus-bench', 'running', 'pgbench');" >"$work/bench.sql"
    "$CITUS_PG_BIN/pgbench" -n -h 127.0.0.1 -p "$coordinator" -U postgres -c 4 -j 2 -T "$bench_seconds" \
        -f "$work/bench.sql" "$CITUS_DB" >"$work/bench" 2>&1 || { echo 0; return; }
    awk '/^tps/ {printf "%d\n", $3; exit}' "$work/bench"
}
plain=$(tps public.citus_bench_plain)
extension=$(tps public.workflow_executions)
echo "citus_tps_plain|$plain"
echo "citus_tps_extension|$extension"
echo "citus_tps_ratio|$(awk -v e="$extension" -v p="$plain" 'BEGIN { if (p > 0) printf "%.2f\n", e / p; else print "n/a" }')"
check "single-row inserts with the extension's trigger run" "t" "$([ "${extension:-0}" -gt 0 ] && echo t || echo f)"

echo "citus scenario: $((SECONDS - started)) s"
finish citus
