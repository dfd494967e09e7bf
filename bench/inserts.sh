#!/usr/bin/env bash
# Insert cost of a run, side by side, run on a throwaway cluster by bench/run.sh: prints name|value.
#   single-row INSERTs with pgbench (simple and prepared protocol, 1 and 4 clients) into (a) a
#   plain table, (b) the extension's workflow_executions, (c) the old three-statement flow; then
#   bulk INSERT ... SELECT and COPY into (a) and (b); generate_verdict from one pgbench client per
#   core; then policy_kpis and factory_status over what is there.
set -euo pipefail
seconds=$1
bulk=$2
db=afu9_bench_inserts
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
export PGDATABASE=$db
psql -XAtq -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION afu9_policy;
-- The same columns and indexes as workflow_executions (without the extension's triggers).
CREATE TABLE plain_runs (LIKE workflow_executions INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
-- The old flow: runs, and snapshots holding a full copy of the policy, linked by an UPDATE.
CREATE TABLE old_snapshots (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), version text NOT NULL,
                            policies jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), metadata jsonb);
CREATE TABLE old_runs (LIKE workflow_executions INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
ALTER TABLE old_runs ADD FOREIGN KEY (policy_snapshot_id) REFERENCES old_snapshots ON DELETE SET NULL;
SQL
# The TPS in a pgbench report; pgbench_report runs pgbench and fails, showing its report, without one.
tps_of() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$1" | head -1; }
pgbench_report() {
    local report
    report=$(pgbench -n "$@" 2>&1)
    [ -n "$(tps_of "$report")" ] || { echo "$report" >&2; return 1; }
    echo "$report"
}
# Both protocols: clients use both (simple: one message per statement; prepared: parsed and
# planned once per connection). The old flow passes the run's id on as a value, which each
# protocol writes differently.
for protocol in simple prepared; do
    for clients in 1 4; do
        for case in plain extension old_flow; do
            script=bench/insert_$case.sql
            [ "$case" = old_flow ] && script=bench/insert_old_flow_$protocol.sql
            result=$(pgbench_report -M "$protocol" -c "$clients" -j "$clients" -T "$seconds" -f "$script")
            latency=$(echo "$result" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
            echo "tps_${protocol}_${case}_${clients}|$(tps_of "$result")"
            echo "latency_${protocol}_${case}_${clients}|${latency}"
        done
    done
done
# generate_verdict from one client per core: verdicts per second for the machine.
psql -XAtq -v ON_ERROR_STOP=1 -c "INSERT INTO workflow_executions (id, workflow_id, status)
    SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'bench', 'failed'
      FROM generate_series(1, 10000) g"
result=$(pgbench_report -c "$(nproc)" -j "$(nproc)" -T "$seconds" -f bench/generate_verdict.sql)
tps=$(tps_of "$result")
echo "generate_concurrent_per_s|${tps%.*}"
echo "generate_clients|$(nproc)"

psql -XAtq -v ON_ERROR_STOP=1 -v bulk="$bulk" <<'SQL'
SET client_min_messages = warning;
CREATE TEMP TABLE clock(t timestamptz);
INSERT INTO clock VALUES (clock_timestamp());
INSERT INTO plain_runs (workflow_id, status, triggered_by, started_at, completed_at)
SELECT 'bulk', CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'completed' END, 'bulk', now() - interval '1 hour', now()
  FROM generate_series(1, :bulk) g;
SELECT 'bulk_plain_s|' || round(extract(epoch FROM clock_timestamp() - t)::numeric, 2) FROM clock;
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
INSERT INTO workflow_executions (workflow_id, status, triggered_by, started_at, completed_at)
SELECT 'bulk', CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'completed' END, 'bulk', now() - interval '1 hour', now()
  FROM generate_series(1, :bulk) g;
SELECT 'bulk_extension_s|' || round(extract(epoch FROM clock_timestamp() - t)::numeric, 2) FROM clock;
-- The same with an experiment running (each run's arm from a SHA-256 of its id); deleted after,
-- so that what follows measures the same tables as before.
SELECT afu9_policy.publish_policy('v1.1.0', afu9_policy.active_policy() || '{"note": "bench"}', false) \g /dev/null
SELECT afu9_policy.start_policy_experiment('bench', '[{"version": "v1.0.0", "weight": 50}, {"version": "v1.1.0", "weight": 50}]') \g /dev/null
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
INSERT INTO workflow_executions (workflow_id, status, triggered_by, started_at, completed_at)
SELECT 'bulk-experiment', CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'completed' END, 'bulk', now() - interval '1 hour', now()
  FROM generate_series(1, :bulk) g;
SELECT 'bulk_experiment_s|' || round(extract(epoch FROM clock_timestamp() - t)::numeric, 2) FROM clock;
SELECT afu9_policy.stop_policy_experiment('bench') \g /dev/null
DELETE FROM workflow_executions WHERE workflow_id = 'bulk-experiment';
-- COPY of the same runs from a file, into (a) and (b).
COPY (SELECT 'copy', CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'completed' END, 'copy', now() - interval '1 hour', now()
        FROM generate_series(1, :bulk) g) TO '/tmp/afu9_bench_runs.csv';
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
COPY plain_runs (workflow_id, status, triggered_by, started_at, completed_at) FROM '/tmp/afu9_bench_runs.csv';
SELECT 'copy_plain_s|' || round(extract(epoch FROM clock_timestamp() - t)::numeric, 2) FROM clock;
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
COPY workflow_executions (workflow_id, status, triggered_by, started_at, completed_at) FROM '/tmp/afu9_bench_runs.csv';
SELECT 'copy_extension_s|' || round(extract(epoch FROM clock_timestamp() - t)::numeric, 2) FROM clock;
VACUUM ANALYZE;
SELECT 'kpi_runs|' || count(*) FROM workflow_executions;
SELECT 'kpi_verdicts|' || count(*) FROM verdicts;
-- Each timed twice; the second run (warm cache) is reported.
SELECT count(*) FROM policy_kpis \g /dev/null
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT count(*) FROM policy_kpis \g /dev/null
SELECT 'policy_kpis_ms|' || round(extract(epoch FROM clock_timestamp() - t)::numeric * 1000, 1) FROM clock;
SELECT length(factory_status()::text) \g /dev/null
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT length(factory_status()::text) \g /dev/null
SELECT 'factory_status_ms|' || round(extract(epoch FROM clock_timestamp() - t)::numeric * 1000, 1) FROM clock;
SELECT length(afu9_policy.policy_report()) \g /dev/null
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT length(afu9_policy.policy_report()) \g /dev/null
SELECT 'policy_report_ms|' || round(extract(epoch FROM clock_timestamp() - t)::numeric * 1000, 1) FROM clock;
SELECT afu9_policy.seal_policy_ledger() \g /dev/null
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT length(afu9_policy.policy_report()) \g /dev/null
SELECT 'policy_report_sealed_ms|' || round(extract(epoch FROM clock_timestamp() - t)::numeric * 1000, 1) FROM clock;
SQL
dropdb "$db"
rm -f /tmp/afu9_bench_runs.csv
