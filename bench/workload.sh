#!/usr/bin/env bash
# The workload of bench/run.sh, run on a throwaway cluster: prints name|value lines.
set -euo pipefail
verdicts=$1
audits=$2
runs=$3
psql -XAtq -v ON_ERROR_STOP=1 -v verdicts="$verdicts" -v audits="$audits" -v runs="$runs" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION afu9_policy;
SELECT 'server|PostgreSQL ' || current_setting('server_version');
CREATE TEMP TABLE reasons(i int, reason text);
INSERT INTO reasons VALUES (0, 'Certificate DNS validation is pending'), (1, 'NS records not configured'),
    (2, 'Stack is in ROLLBACK_IN_PROGRESS'), (3, 'another update is in progress'),
    (4, 'secret not found'), (5, 'environment variable API_KEY not set'), (6, '[DEPRECATED] method'),
    (7, 'invalid unit'), (8, 'Request 1736934600000 failed after 30 seconds');
CREATE TEMP TABLE input AS
SELECT g, jsonb_build_array(jsonb_build_object('resourceType', 'AWS::CloudFormation::Stack',
           'statusReason', r.reason || ' #' || g, 'logicalId', 'L' || g)) AS signals
  FROM generate_series(1, :verdicts) g JOIN reasons r ON r.i = g % 9;
CREATE TEMP TABLE clock(t timestamptz);

INSERT INTO clock VALUES (clock_timestamp());
SELECT count(c.*) FROM input, classify_failure(signals) c \g /dev/null
SELECT 'classify_per_s|' || round(:verdicts / extract(epoch FROM clock_timestamp() - t)) FROM clock;

INSERT INTO workflow_executions (id, workflow_id, status)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'bench', 'failed' FROM input;
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT count(generate_verdict(('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, signals)) FROM input \g /dev/null
SELECT 'generate_per_s|' || round(:verdicts / extract(epoch FROM clock_timestamp() - t)) FROM clock;

-- Fill up to the audit count with copies of the generated verdicts (same signals, same runs).
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score,
                      proposed_action, verdict_type, tokens, signals, playbook_id)
SELECT v.execution_id, v.fingerprint_id, v.error_class, v.service, v.confidence_score,
       v.proposed_action, v.verdict_type, v.tokens, v.signals, v.playbook_id
  FROM generate_series(1, greatest(:audits - :verdicts, 0)) g
  JOIN verdicts v ON v.execution_id = ('00000000-0000-4000-8000-' || lpad(to_hex(1 + g % :verdicts), 12, '0'))::uuid;
ANALYZE;
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT count(*) FILTER (WHERE compliant) FROM audit_verdicts(interval '1 day') \g /dev/null
SELECT 'audit_ms|' || round(extract(epoch FROM clock_timestamp() - t) * 1000) FROM clock;
SELECT 'audited|' || count(*) FROM verdicts;
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT count(*) FILTER (WHERE diverges) FROM replay_verdicts('v1.0.0', interval '1 day') \g /dev/null
SELECT 'replay_ms|' || round(extract(epoch FROM clock_timestamp() - t) * 1000) FROM clock;

-- The engine over as many signal sets as audits, one statement each: classifying with a policy
-- given and with the active one, and storing verdicts in bulk (generate_verdicts, each run
-- classified with its own snapshot's document). In a new backend, as a replay job would run:
-- in the backend that did the bulk work above the same statements ran at about half this
-- speed (perf showed glibc's malloc_consolidate; not investigated further).
CREATE TABLE engine_input AS
SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(g), 12, '0'))::uuid AS run_id,
       jsonb_build_array(jsonb_build_object('resourceType', 'AWS::CloudFormation::Stack',
           'statusReason', r.reason || ' #' || g, 'logicalId', 'L' || g)) AS signals
  FROM generate_series(1, :audits) g JOIN reasons r ON r.i = g % 9;
VACUUM ANALYZE engine_input;
\c
CREATE TEMP TABLE clock(t timestamptz);
-- The policy given as a literal, as a caller with a document of its own passes it.
SELECT active_policy() AS given \gset
INSERT INTO clock VALUES (clock_timestamp());
SELECT count(c.*) FROM engine_input, classify_failure(signals, :'given') c \g /dev/null
SELECT 'classify_given_per_s|' || round(:audits / extract(epoch FROM clock_timestamp() - t)) FROM clock;
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT count(c.*) FROM engine_input, classify_failure(signals) c \g /dev/null
SELECT 'classify_active_per_s|' || round(:audits / extract(epoch FROM clock_timestamp() - t)) FROM clock;
INSERT INTO workflow_executions (id, workflow_id, status) SELECT run_id, 'bench-bulk', 'failed' FROM engine_input;
TRUNCATE clock; INSERT INTO clock VALUES (clock_timestamp());
SELECT count(*) FROM generate_verdicts((SELECT array_agg(run_id ORDER BY run_id) FROM engine_input),
                                       (SELECT array_agg(signals ORDER BY run_id) FROM engine_input)) \g /dev/null
SELECT 'store_bulk_per_s|' || round(:audits / extract(epoch FROM clock_timestamp() - t)) FROM clock;

-- Storage per run: the snapshot's columns in the run's row (its id, version, time and role),
-- against the old flow's full copy of the policy per run (same columns, the document in each row).
INSERT INTO workflow_executions (workflow_id, status) SELECT 'storage', 'completed' FROM generate_series(1, :runs);
SELECT 'snapshot_bytes_per_run|' || round(avg(pg_column_size(policy_snapshot_id) + pg_column_size(policy_version_id)
                                              + pg_column_size(policy_snapshot_taken_at) + pg_column_size(policy_snapshot_taken_by)))
  FROM workflow_executions WHERE policy_version_id IS NOT NULL;
SELECT 'snapshot_store_rows|' || count(*) FROM policy_snapshot_records;
CREATE TABLE full_copy_snapshots (id uuid PRIMARY KEY, version text, policies jsonb, created_at timestamptz, metadata jsonb);
INSERT INTO full_copy_snapshots SELECT id, version, policies, created_at, metadata FROM policy_snapshots;
VACUUM ANALYZE full_copy_snapshots;
SELECT 'full_copy_bytes_per_run|' || round(pg_total_relation_size('full_copy_snapshots')::numeric / count(*))
  FROM full_copy_snapshots;
SELECT 'document_bytes|' || pg_column_size(body) || ' stored, ' || octet_length(body::text) || ' as text'
  FROM policy_documents LIMIT 1;
SQL
