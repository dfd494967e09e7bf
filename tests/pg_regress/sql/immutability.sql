-- Snapshots, policy documents, versions, activations and verdicts never change; a run's
-- link to its snapshot never changes either.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- Snapshots with fixed ids (as a migration stores them) keep the messages reproducible.
INSERT INTO policy_snapshots (id, version, policies)
SELECT ('00000000-0000-4000-8000-0000000000b' || i)::uuid, 'v1.0.0', active_policy()
  FROM generate_series(1, 3) i;
INSERT INTO workflow_executions (id, workflow_id, status, policy_snapshot_id)
SELECT ('00000000-0000-4000-8000-0000000000e' || i)::uuid, 'wf-' || i,
       CASE WHEN i = 3 THEN 'completed' ELSE 'failed' END,
       ('00000000-0000-4000-8000-0000000000b' || i)::uuid
  FROM generate_series(1, 3) i;
INSERT INTO verdicts (id, execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000e1',
        'fp', 'CFN_ROLLBACK_LOCK', 'CloudFormation', 95, 'OPEN_ISSUE');
CREATE TEMP TABLE before AS
SELECT e.id AS run, e.policy_snapshot_id AS snapshot, s.version, s.policies, s.created_at
  FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id;

-- Every guard is ENABLE ALWAYS ('A'): session_replication_role = replica does not skip it.
SELECT tgrelid::regclass AS relation, tgname, tgenabled
  FROM pg_trigger
 WHERE tgrelid IN ('policy_snapshots'::regclass, 'policy_snapshot_records'::regclass,
                   'policy_documents'::regclass, 'policy_versions'::regclass,
                   'policy_activations'::regclass, 'workflow_executions'::regclass,
                   'verdicts'::regclass)
   AND NOT tgisinternal
 ORDER BY 1, 2;

-- UPDATE of a snapshot, through the view or the table behind it.
UPDATE policy_snapshots SET version = 'v9.9.9';
\echo :SQLSTATE
UPDATE policy_snapshots SET version = 'v9.9.9' RETURNING *;
\echo :SQLSTATE
UPDATE policy_snapshots SET policies = '{}' WHERE id = (SELECT snapshot FROM before WHERE run = '00000000-0000-4000-8000-0000000000e3');
\echo :SQLSTATE
UPDATE policy_snapshot_records SET created_at = created_at - interval '1 day';
\echo :SQLSTATE

-- TRUNCATE: PostgreSQL itself refuses while runs and verdicts reference the snapshots,
-- and the guard refuses the CASCADE that would take them along. A view is not truncatable.
TRUNCATE policy_snapshot_records;
\echo :SQLSTATE
TRUNCATE policy_snapshot_records CASCADE;
\echo :SQLSTATE
TRUNCATE policy_snapshots;
\echo :SQLSTATE

-- The stored policy documents, versions and activations.
UPDATE policy_documents SET body = body || '{"playbooks": {}}';
\echo :SQLSTATE
DELETE FROM policy_documents;
\echo :SQLSTATE
TRUNCATE policy_documents CASCADE;
\echo :SQLSTATE
UPDATE policy_versions SET version = 'v1.0.1';
\echo :SQLSTATE
DELETE FROM policy_versions;
\echo :SQLSTATE
UPDATE policy_activations SET activated_at = now();
\echo :SQLSTATE
DELETE FROM policy_activations;
\echo :SQLSTATE
TRUNCATE policy_activations;
\echo :SQLSTATE

-- Verdicts.
UPDATE verdicts SET confidence_score = 10;
\echo :SQLSTATE
TRUNCATE verdicts;
\echo :SQLSTATE

-- A run keeps its snapshot: re-pointing or clearing the link is refused; other columns change.
UPDATE workflow_executions
   SET policy_snapshot_id = (SELECT snapshot FROM before WHERE run = '00000000-0000-4000-8000-0000000000e2')
 WHERE id = '00000000-0000-4000-8000-0000000000e1';
\echo :SQLSTATE
UPDATE workflow_executions SET policy_snapshot_id = NULL WHERE id = '00000000-0000-4000-8000-0000000000e3';
\echo :SQLSTATE
UPDATE workflow_executions SET status = 'completed', completed_at = '2025-01-15 10:00:00+00',
       updated_at = '2000-01-01'
 WHERE id = '00000000-0000-4000-8000-0000000000e3'
RETURNING status, completed_at, updated_at > '2000-01-01' AS updated_at_kept_by_trigger;

-- All the same with session_replication_role = replica, and inserts still take snapshots.
SET session_replication_role = replica;
-- (the view's rules are skipped in this mode, so PostgreSQL refuses to write through it)
UPDATE policy_snapshots SET version = 'v9.9.9';
\echo :SQLSTATE
INSERT INTO policy_snapshots (version, policies) VALUES ('v1.0.0', '{}');
\echo :SQLSTATE
DELETE FROM policy_snapshots;
\echo :SQLSTATE
UPDATE policy_snapshot_records SET version = 'v9.9.9';
\echo :SQLSTATE
TRUNCATE policy_snapshot_records CASCADE;
\echo :SQLSTATE
UPDATE verdicts SET confidence_score = 10;
\echo :SQLSTATE
UPDATE policy_documents SET body = '{}';
\echo :SQLSTATE
UPDATE workflow_executions SET policy_snapshot_id = NULL WHERE id = '00000000-0000-4000-8000-0000000000e1';
\echo :SQLSTATE
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e4', 'wf-4', 'running')
RETURNING policy_snapshot_id IS NOT NULL AS has_snapshot;
INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e1', (SELECT snapshot FROM before WHERE run = '00000000-0000-4000-8000-0000000000e2'),
        'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE');
\echo :SQLSTATE
-- The delete guard is not skipped in this mode.
DELETE FROM policy_snapshot_records WHERE id = (SELECT snapshot FROM before WHERE run = '00000000-0000-4000-8000-0000000000e1');
\echo :SQLSTATE
DELETE FROM policy_snapshot_records WHERE id = (SELECT snapshot FROM before WHERE run = '00000000-0000-4000-8000-0000000000e3');
\echo :SQLSTATE
RESET session_replication_role;

-- Deleting a snapshot a verdict references fails (RESTRICT), through the view or the table.
DELETE FROM policy_snapshots WHERE id = (SELECT snapshot FROM before WHERE run = '00000000-0000-4000-8000-0000000000e1');
\echo :SQLSTATE
DELETE FROM policy_snapshot_records WHERE id = (SELECT snapshot FROM before WHERE run = '00000000-0000-4000-8000-0000000000e1');
\echo :SQLSTATE

-- Nothing above changed a snapshot.
SELECT count(*) AS snapshots,
       count(*) FILTER (WHERE s.version = b.version AND s.policies = b.policies AND s.created_at = b.created_at) AS unchanged
  FROM before b JOIN policy_snapshots s ON s.id = b.snapshot;
SELECT count(*) AS runs_still_linked
  FROM before b JOIN workflow_executions e ON e.id = b.run AND e.policy_snapshot_id = b.snapshot;
SELECT count(*) AS documents FROM policy_documents;
SELECT count(*) AS verdicts, min(confidence_score) AS confidence_score FROM verdicts;

-- A stored snapshot a run names cannot be deleted, even if no verdict references it (no run
-- loses its snapshot) ...
DELETE FROM policy_snapshots WHERE id = (SELECT snapshot FROM before WHERE run = '00000000-0000-4000-8000-0000000000e2');
\echo :SQLSTATE
SELECT id, policy_snapshot_id FROM workflow_executions WHERE id = '00000000-0000-4000-8000-0000000000e2';
-- ... one nothing names can.
INSERT INTO policy_snapshots (id, version, policies) VALUES ('00000000-0000-4000-8000-0000000000b9', 'v1.0.0', active_policy());
DELETE FROM policy_snapshots WHERE id = '00000000-0000-4000-8000-0000000000b9' RETURNING id;
-- A run cannot be pointed at another snapshot.
UPDATE workflow_executions SET policy_snapshot_id = (SELECT snapshot FROM before WHERE run = '00000000-0000-4000-8000-0000000000e3')
 WHERE id = '00000000-0000-4000-8000-0000000000e2';
\echo :SQLSTATE
