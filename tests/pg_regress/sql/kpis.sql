-- policy_kpis: coverage, linkage, traceability and modified snapshots, per window.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- Nothing to measure: counts are 0, percentages NULL.
SELECT * FROM policy_kpis;

INSERT INTO workflow_executions (id, workflow_id, status) VALUES
    ('00000000-0000-4000-8000-0000000000e1', 'wf', 'failed'),
    ('00000000-0000-4000-8000-0000000000e2', 'wf', 'failed'),
    ('00000000-0000-4000-8000-0000000000e3', 'wf', 'failed'),
    ('00000000-0000-4000-8000-0000000000e4', 'wf', 'completed');
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
SELECT id, 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE' FROM workflow_executions WHERE status = 'failed';
SELECT * FROM policy_kpis;

-- A run inserted while the tables' owner had switched the snapshot trigger off is not covered.
ALTER TABLE workflow_executions DISABLE TRIGGER take_policy_snapshot;
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e5', 'wf', 'failed');
ALTER TABLE workflow_executions ENABLE ALWAYS TRIGGER take_policy_snapshot;
SELECT executions, coverage_percentage FROM policy_kpis;

-- An unlinked verdict (warn mode, run without snapshot) lowers linkage and traceability.
SET afu9_policy.on_snapshot_failure = warn;
SET client_min_messages = error;
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e5', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE');
RESET client_min_messages;
RESET afu9_policy.on_snapshot_failure;
SELECT verdicts, linkage_percentage, traceability_percentage FROM policy_kpis;

-- A verdict linked to another run's snapshot is refused by the foreign key, even with the
-- link trigger off ...
BEGIN;
ALTER TABLE verdicts DISABLE TRIGGER link_verdict_to_snapshot;
\set VERBOSITY terse
INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
SELECT '00000000-0000-4000-8000-0000000000e1', policy_snapshot_id, 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE'
  FROM workflow_executions WHERE id = '00000000-0000-4000-8000-0000000000e2';
\set VERBOSITY default
ROLLBACK;
-- ... and, with foreign keys skipped too (a superuser's replica mode), is linked but not traceable.
BEGIN;
ALTER TABLE verdicts DISABLE TRIGGER link_verdict_to_snapshot;
SET LOCAL session_replication_role = replica;
INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
SELECT '00000000-0000-4000-8000-0000000000e1', policy_snapshot_id, 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE'
  FROM workflow_executions WHERE id = '00000000-0000-4000-8000-0000000000e2';
SELECT verdicts, linkage_percentage, traceability_percentage FROM policy_kpis;
ROLLBACK;

-- A stored policy changed behind the guards (superuser, guard and check dropped) shows up
-- as modified snapshots: every snapshot of that document.
BEGIN;
ALTER TABLE policy_documents DISABLE TRIGGER policy_documents_reject_change;
ALTER TABLE policy_documents DROP CONSTRAINT policy_documents_hash_is_content;
UPDATE policy_documents SET body = jsonb_set(body, '{playbooks,UNKNOWN,action}', '"HUMAN_REQUIRED"');
SELECT modified_snapshots FROM policy_kpis;
ROLLBACK;
SELECT modified_snapshots FROM policy_kpis;
-- The check constraint alone already refuses such a change.
\set VERBOSITY terse
BEGIN;
ALTER TABLE policy_documents DISABLE TRIGGER policy_documents_reject_change;
UPDATE policy_documents SET body = jsonb_set(body, '{playbooks,UNKNOWN,action}', '"HUMAN_REQUIRED"');
\echo :SQLSTATE
ROLLBACK;
\set VERBOSITY default

-- Windows: old rows count only in a window that reaches back to them.
INSERT INTO workflow_executions (workflow_id, status, created_at) VALUES ('wf-old', 'completed', now() - interval '10 days');
SELECT (SELECT executions FROM policy_kpis) AS last_7_days,
       (SELECT executions FROM policy_kpis(interval '30 days')) AS last_30_days;
