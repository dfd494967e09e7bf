-- The AFU-9 control center's own statements, unchanged, on a fresh database: create a run (the
-- database snapshots it), pause it, abort it, set its final status, store a verdict with NULL
-- metadata. (Its legacy snapshot-and-link pair is for adopting an existing database.)
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- createExecution
INSERT INTO workflow_executions (workflow_id, status, input, context, started_at, triggered_by, github_run_id)
VALUES (NULL, 'running', '{"repo": "x"}', '{"variables": {}}', '2025-01-15 10:00:00', NULL, NULL)
RETURNING policy_snapshot_id IS NOT NULL AS snapshotted;
SELECT id AS run FROM workflow_executions \gset
-- pauseExecution
UPDATE workflow_executions
   SET status = 'paused', pause_metadata = '{"pausedAt": "2025-01-15T10:01:00Z", "pausedBy": "system", "reason": "HOLD"}',
       updated_at = NOW()
 WHERE id = :'run' AND status = 'running' RETURNING status, pause_metadata->>'reason' AS reason;
-- abortExecution
UPDATE workflow_executions
   SET status = 'failed', error = 'RED verdict', completed_at = NOW(),
       pause_metadata = jsonb_set(COALESCE(pause_metadata, '{}'), '{abortMetadata}', '{"abortedBy": "system"}'::jsonb),
       updated_at = NOW()
 WHERE id = :'run' AND status IN ('running', 'paused') RETURNING status, pause_metadata ? 'abortMetadata' AS aborted;
-- updateExecutionStatus (its final call after an abort)
UPDATE workflow_executions
   SET status = 'failed', output = NULL, error = 'RED verdict',
       completed_at = CASE WHEN 'failed' IN ('completed', 'failed', 'cancelled') THEN NOW() ELSE completed_at END,
       updated_at = NOW()
 WHERE id = :'run';
-- storeVerdict, with metadata NULL
INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score,
                      proposed_action, verdict_type, tokens, signals, playbook_id, metadata)
VALUES (:'run', NULL, '6f8a329f4f7d93b901651b231b9aaddf', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE', 'REJECTED',
        '{}', '[{"resourceType": "R", "statusReason": "?"}]', 'unknown-error', NULL)
RETURNING metadata IS NULL AS null_metadata,
          policy_snapshot_id = (SELECT policy_snapshot_id FROM workflow_executions WHERE id = :'run') AS linked;
-- A status AFU-9 does not know is still refused (terse: the row holds times and ids).
\set VERBOSITY terse
UPDATE workflow_executions SET status = 'sleeping' WHERE id = :'run';
\echo :SQLSTATE
\set VERBOSITY default
SELECT count(*) AS problems FROM verify_policy_ledger();
