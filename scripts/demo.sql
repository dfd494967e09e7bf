-- The example workload of the Quick start: runs get snapshots, snapshots refuse changes, verdicts
-- come from the run's snapshot, a new policy version, the ledger, and the KPIs.
\set ON_ERROR_STOP 0
\set SHOW_CONTEXT never
\pset footer off
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
RESET client_min_messages;
\echo '== CREATE EXTENSION afu9_policy'
CREATE EXTENSION afu9_policy;
-- Runs and verdicts are in public; the extension's functions and views in its own schema.
SET search_path = public, afu9_policy;
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

\echo '== a verdict for the failed run, computed from that run''s own snapshot'
SELECT v.execution_id, v.policy_snapshot_id = e.policy_snapshot_id AS from_its_snapshot,
       v.error_class, v.confidence_score, v.proposed_action, v.verdict_type, v.fingerprint_id
  FROM workflow_executions e,
       generate_verdict(e.id, '[{"resourceType": "AWS::CloudFormation::Stack",
                                 "statusReason": "Stack is in ROLLBACK_IN_PROGRESS state"}]') v
 WHERE e.status = 'failed';
SELECT compliant, policy_version, issues FROM verdicts, audit_verdict(verdicts.id);

\echo '== a new policy version; the run keeps its snapshot, new runs get the new one'
SELECT version FROM publish_policy('v1.1.0', jsonb_set(active_policy(), '{classification_rules,4,confidence}', '0.9'));
INSERT INTO workflow_executions (workflow_id, status) VALUES ('deploy-stack', 'running');
SELECT policy_version, count(*) AS runs FROM executions_with_policy GROUP BY 1 ORDER BY 1;
SELECT change, item, field, old_value, new_value FROM policy_diff('v1.0.0', 'v1.1.0');

\echo '== the tamper-evident ledger: seal, digest, verify'
SELECT policy_ledger_digest()->'chains' AS chains;
SELECT count(*) AS ledger_problems FROM verify_policy_ledger();

\echo '== KPIs (last 7 days)'
\x on
SELECT * FROM policy_kpis;
