-- The example workload of the Quick start: runs get snapshots, snapshots refuse changes,
-- verdicts link to their run's snapshot, and the KPIs prove it.
\set ON_ERROR_STOP 0
\set SHOW_CONTEXT never
\pset footer off
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
RESET client_min_messages;
\echo '== CREATE EXTENSION afu9_policy'
CREATE EXTENSION afu9_policy;
SELECT version, encode(document_hash, 'hex') AS document_hash FROM active_policy_version();

\echo '== plain INSERTs: each run gets its own snapshot in the same statement'
INSERT INTO workflow_executions (workflow_id, status, triggered_by)
VALUES ('deploy-stack', 'running', 'github-actions'),
       ('deploy-stack', 'failed', 'github-actions')
RETURNING id, status, policy_snapshot_id;
INSERT INTO workflow_executions (workflow_id, status, triggered_by)
SELECT 'nightly-' || i, 'completed', 'cron' FROM generate_series(1, 1000) i;
SELECT count(*) AS runs, count(policy_snapshot_id) AS with_snapshot,
       count(DISTINCT policy_snapshot_id) AS distinct_snapshots,
       (SELECT count(*) FROM policy_documents) AS stored_policy_documents
  FROM workflow_executions;
SELECT id, version, jsonb_array_length(policies->'classification_rules') AS rules, metadata
  FROM policy_snapshots ORDER BY created_at, id LIMIT 2;

\echo '== snapshots are immutable: this UPDATE is rejected'
UPDATE policy_snapshots SET version = 'v9.9.9';
\echo SQLSTATE :SQLSTATE

\echo '== a verdict on the failed run links to that run''s snapshot'
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, verdict_type)
SELECT id, 'f3a1c2d4e5b6a7980123456789abcdef', 'CFN_ROLLBACK_LOCK', 'CloudFormation', 95, 'OPEN_ISSUE', 'BLOCKED'
  FROM workflow_executions WHERE status = 'failed'
RETURNING execution_id, policy_snapshot_id, error_class;
SELECT id, status, policy_version, policy_created_at IS NOT NULL AS snapshotted
  FROM executions_with_policy WHERE status = 'failed';

\echo '== KPIs (last 7 days)'
\x on
SELECT * FROM policy_kpis;
