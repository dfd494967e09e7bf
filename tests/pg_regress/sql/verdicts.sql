-- A verdict points at its run's snapshot: filled in when omitted, refused when different.
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
SELECT ('00000000-0000-4000-8000-0000000000e' || i)::uuid, 'wf-' || i, 'failed',
       ('00000000-0000-4000-8000-0000000000b' || i)::uuid
  FROM generate_series(1, 3) i;

-- Omitted: the run's snapshot.
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, verdict_type)
VALUES ('00000000-0000-4000-8000-0000000000e1', '1d2c0e7f', 'CFN_ROLLBACK_LOCK', 'CloudFormation', 95, 'OPEN_ISSUE', 'BLOCKED');
SELECT v.policy_snapshot_id = e.policy_snapshot_id AS is_the_runs, v.verdict_type, v.tokens, v.signals, v.metadata
  FROM verdicts v JOIN workflow_executions e ON e.id = v.execution_id;
-- Given and equal: kept.
INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e3', '00000000-0000-4000-8000-0000000000b3',
        'fp3', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE')
RETURNING policy_snapshot_id, verdict_type;

-- Given and different: refused, naming both snapshots.
INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000b3',
        'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE');
\echo :SQLSTATE
-- Unknown run, unknown snapshot.
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-00000000dead', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE');
\echo :SQLSTATE
INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e3', '00000000-0000-4000-8000-00000000dead',
        'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE');
\echo :SQLSTATE
-- Out of range or unknown values.
\set VERBOSITY terse
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'fp', 'UNKNOWN', 'Unknown', 101, 'OPEN_ISSUE');
\echo :SQLSTATE
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'fp', 'UNKNOWN', 'Unknown', -1, 'OPEN_ISSUE');
\echo :SQLSTATE
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'fp', 'UNKNOWN', 'Unknown', 50, 'RETRY_FOREVER');
\echo :SQLSTATE
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, verdict_type)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE', 'MAYBE');
\echo :SQLSTATE
\set VERBOSITY default

-- Verdicts are immutable.
UPDATE verdicts SET proposed_action = 'HUMAN_REQUIRED';
\echo :SQLSTATE
UPDATE verdicts SET policy_snapshot_id = NULL;
\echo :SQLSTATE

-- verdicts_with_policy: every verdict column, then the policy and the run.
SELECT error_class, policy_version, policy_definition = active_policy() AS complete_policy,
       execution_status, execution_policy_snapshot_id = policy_snapshot_id AS traceable
  FROM verdicts_with_policy ORDER BY error_class;
SELECT array_agg(column_name::text ORDER BY ordinal_position) AS columns
  FROM information_schema.columns WHERE table_name = 'verdicts_with_policy';

-- Deleting a run deletes its verdicts; its snapshot stays.
DELETE FROM workflow_executions WHERE id = '00000000-0000-4000-8000-0000000000e3';
SELECT (SELECT count(*) FROM verdicts) AS verdicts,
       (SELECT count(*) FROM policy_snapshots WHERE id = '00000000-0000-4000-8000-0000000000b3') AS snapshot_kept;
