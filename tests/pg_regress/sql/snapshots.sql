-- Every new run gets its own snapshot of the active policy, inside its own INSERT.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- The active policy is v1.0.0, stored as data: eight rules, in order, with their playbooks.
SELECT version FROM active_policy_version();
SELECT n, r->>'errorClass' AS error_class, r->>'service' AS service, r->'confidence' AS confidence,
       jsonb_array_length(r->'patterns') AS patterns, r->'tokens' AS tokens,
       active_policy()->'playbooks'->(r->>'errorClass') AS playbook
  FROM jsonb_array_elements(active_policy()->'classification_rules') WITH ORDINALITY AS t(r, n)
 ORDER BY n;
SELECT key, value FROM jsonb_each(active_policy()->'playbooks') WHERE key = 'UNKNOWN';
SELECT (SELECT count(*) FROM jsonb_object_keys(active_policy()->'playbooks')) AS playbooks,
       active_policy()->'confidence_normalization' AS confidence_normalization;
SELECT r->'patterns' AS deprecated_cdk_patterns
  FROM jsonb_array_elements(active_policy()->'classification_rules') r
 WHERE r->>'errorClass' = 'DEPRECATED_CDK_API';

-- Count UPDATEs of runs: taking a snapshot must not need one.
CREATE TABLE run_updates (id uuid);
CREATE FUNCTION log_run_update() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO run_updates VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER log_run_update AFTER UPDATE ON workflow_executions
    FOR EACH ROW EXECUTE FUNCTION log_run_update();

-- One row, many rows, INSERT ... SELECT, COPY.
INSERT INTO workflow_executions (workflow_id, status, triggered_by) VALUES ('wf-single', 'running', 'test');
INSERT INTO workflow_executions (workflow_id, status)
VALUES ('wf-values', 'pending'), ('wf-values', 'failed'), ('wf-values', 'completed');
INSERT INTO workflow_executions (workflow_id, status)
SELECT 'wf-select', 'completed' FROM generate_series(1, 50);
COPY workflow_executions (workflow_id, status) FROM stdin;
wf-copy	failed
wf-copy	running
\.

SELECT workflow_id, count(*) AS runs, count(policy_snapshot_id) AS with_snapshot,
       count(DISTINCT policy_snapshot_id) AS distinct_snapshots
  FROM workflow_executions GROUP BY workflow_id ORDER BY workflow_id;

-- Each snapshot is v1.0.0 with the complete policy, names its run, and was written by the
-- run's own statement (same transaction, no UPDATE of the run).
SELECT count(*) AS runs,
       count(*) FILTER (WHERE s.version = 'v1.0.0') AS v1_0_0,
       count(*) FILTER (WHERE s.policies = active_policy()) AS complete_policy,
       count(*) FILTER (WHERE s.metadata->>'execution_id' = e.id::text) AS names_its_run,
       count(*) FILTER (WHERE s.metadata->>'created_by' = current_user) AS names_its_author,
       count(*) FILTER (WHERE e.policy_version_id IS NOT NULL AND e.policy_snapshot_taken_at = s.created_at) AS in_its_row
  FROM workflow_executions e
  JOIN policy_snapshots s ON s.id = e.policy_snapshot_id;
-- Nothing else is written per run.
SELECT count(*) AS stored_apart FROM policy_snapshot_records;
SELECT count(*) AS run_updates FROM run_updates;

-- 56 snapshots, one stored policy document.
SELECT (SELECT count(*) FROM policy_snapshots) AS snapshots,
       (SELECT count(*) FROM policy_documents) AS documents,
       (SELECT count(DISTINCT policy_hash) FROM policy_snapshots) AS distinct_hashes;

-- A failed INSERT leaves no snapshot behind.
\set VERBOSITY terse
INSERT INTO workflow_executions (workflow_id, status) VALUES ('wf-bad', 'exploded');
\echo :SQLSTATE
\set VERBOSITY default
SELECT count(*) AS snapshots FROM policy_snapshots;

-- A migration inserts snapshots directly; a restored run names its snapshot and keeps it.
INSERT INTO policy_snapshots (id, version, policies, created_at, metadata)
VALUES ('00000000-0000-4000-8000-000000000001', 'v1.0.0', active_policy(),
        '2025-01-15 09:50:00+00', '{"executionId": "exec-123", "source": "afu9"}')
RETURNING id, version, created_at, metadata, policies = active_policy() AS complete_policy;
INSERT INTO workflow_executions (id, workflow_id, status, policy_snapshot_id)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'wf-restore', 'completed',
        '00000000-0000-4000-8000-000000000001');
SELECT policy_snapshot_id FROM workflow_executions WHERE id = '00000000-0000-4000-8000-0000000000e1';
SELECT (SELECT count(*) FROM policy_snapshots) AS snapshots,
       (SELECT count(*) FROM policy_documents) AS documents;

-- A different document is stored once more; the same one is not. Several rows at once.
INSERT INTO policy_snapshots (id, version, policies)
VALUES ('00000000-0000-4000-8000-000000000002', 'v0.9.0', '{"classification_rules": [], "playbooks": {}}'),
       ('00000000-0000-4000-8000-000000000003', 'v0.9.0', '{"classification_rules": [], "playbooks": {}}')
RETURNING id, version, policies, encode(policy_hash, 'hex') AS policy_hash;
SELECT (SELECT count(*) FROM policy_documents) AS documents,
       (SELECT policies FROM policy_snapshots WHERE id = '00000000-0000-4000-8000-000000000002') AS policies;

-- Rejected: a snapshot that does not exist, one another run has, a malformed version,
-- policies that are not an object.
INSERT INTO workflow_executions (id, workflow_id, status, policy_snapshot_id)
VALUES ('00000000-0000-4000-8000-0000000000c0', 'wf-restore', 'completed', '00000000-0000-4000-8000-00000000dead');
\echo :SQLSTATE
INSERT INTO workflow_executions (workflow_id, status, policy_snapshot_id)
VALUES ('wf-restore', 'completed', '00000000-0000-4000-8000-000000000001');
\echo :SQLSTATE
\set VERBOSITY terse
INSERT INTO policy_snapshots (version, policies) VALUES ('1.0', active_policy());
\echo :SQLSTATE
\set VERBOSITY default
INSERT INTO policy_snapshots (version, policies) VALUES ('v1.0.0', '[]');
\echo :SQLSTATE
INSERT INTO policy_snapshots (version, policies) VALUES ('v1.0.0', NULL);
\echo :SQLSTATE

-- get_policy_snapshot_for_execution: the run's snapshot, NULL when there is none.
SELECT s.id, s.version, s.policies = active_policy() AS complete_policy
  FROM get_policy_snapshot_for_execution('00000000-0000-4000-8000-0000000000e1') s;
SELECT s.version = 'v1.0.0' AS v1_0_0, s.id = e.policy_snapshot_id AS is_the_runs
  FROM workflow_executions e, get_policy_snapshot_for_execution(e.id) s
 WHERE e.workflow_id = 'wf-single';
SELECT get_policy_snapshot_for_execution('00000000-0000-4000-8000-00000000beef') IS NULL AS unknown_run;

-- executions_with_policy: every run column, then the policy.
SELECT workflow_id, status, policy_version, policy_definition = active_policy() AS complete_policy,
       policy_created_at
  FROM executions_with_policy WHERE id = '00000000-0000-4000-8000-0000000000e1';
SELECT array_agg(column_name::text ORDER BY ordinal_position) AS columns
  FROM information_schema.columns WHERE table_name = 'executions_with_policy';

-- An INSERT ... ON CONFLICT that inserts nothing leaves nothing behind: the snapshot is in the
-- row that was not inserted.
INSERT INTO workflow_executions (id, workflow_id) VALUES ('00000000-0000-4000-8000-0000000000c1', 'wf-conflict')
ON CONFLICT (id) DO NOTHING;
INSERT INTO workflow_executions (id, workflow_id) VALUES ('00000000-0000-4000-8000-0000000000c1', 'wf-conflict')
ON CONFLICT (id) DO NOTHING;
SELECT count(*) AS snapshots_of_c1 FROM policy_snapshots WHERE metadata->>'execution_id' = '00000000-0000-4000-8000-0000000000c1';
-- A snapshot stored for one run (here: the application's own snapshot-and-link for a run
-- stored while the owner had the trigger off) cannot be carried by another run (23514), nor
-- can another run's (23505).
ALTER TABLE workflow_executions DISABLE TRIGGER take_policy_snapshot;
INSERT INTO workflow_executions (id, workflow_id) VALUES ('00000000-0000-4000-8000-0000000000c9', 'wf-unguarded');
ALTER TABLE workflow_executions ENABLE ALWAYS TRIGGER take_policy_snapshot;
CREATE TEMP TABLE stored_for_c9 AS
WITH s AS (INSERT INTO policy_snapshots (version, policies, metadata)
           VALUES ('v1.0.0', active_policy(), '{"execution_id": "00000000-0000-4000-8000-0000000000c9"}') RETURNING id)
SELECT id FROM s;
-- (The snapshot's id is random: the message is shown without it; 23514.)
DO $$
BEGIN
    INSERT INTO workflow_executions (id, workflow_id, policy_snapshot_id)
    SELECT '00000000-0000-4000-8000-0000000000c2', 'wf-reuse', id FROM stored_for_c9;
EXCEPTION WHEN check_violation THEN
    RAISE NOTICE '%', regexp_replace(SQLERRM, 'snapshot \S+:', 'snapshot <id>:');
END
$$;
-- ... while the run it was stored for may be linked to it, as the application does.
UPDATE workflow_executions SET policy_snapshot_id = (SELECT id FROM stored_for_c9)
 WHERE id = '00000000-0000-4000-8000-0000000000c9' RETURNING policy_snapshot_id IS NOT NULL AS linked;
INSERT INTO workflow_executions (id, workflow_id, policy_snapshot_id)
SELECT '00000000-0000-4000-8000-0000000000c3', 'wf-reuse', policy_snapshot_id
  FROM workflow_executions WHERE id = '00000000-0000-4000-8000-0000000000e1';
\echo :SQLSTATE
SELECT count(*) AS reused FROM workflow_executions WHERE workflow_id = 'wf-reuse';
