-- When no snapshot can be taken: refuse the run (default), or, with
-- afu9_policy.on_snapshot_failure = warn, store it unlinked with a WARNING.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

SHOW afu9_policy.on_snapshot_failure;
SELECT snapshot_failure_mode();

-- Take away the active policy (as only a superuser bypassing the guard could).
BEGIN;
ALTER TABLE policy_activations DISABLE TRIGGER policy_activations_reject_change;
DELETE FROM policy_activations;
SELECT active_policy() IS NULL AS no_active_policy;

SAVEPOINT refused;
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e1', 'wf-1', 'running');
\echo :SQLSTATE
ROLLBACK TO refused;
SELECT count(*) AS runs FROM workflow_executions;

SET LOCAL afu9_policy.on_snapshot_failure = warn;
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e1', 'wf-1', 'failed')
RETURNING id, policy_snapshot_id;
-- A verdict on such a run is stored unlinked too, with a WARNING ...
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE')
RETURNING policy_snapshot_id;
-- ... and refused in the default mode.
SET LOCAL afu9_policy.on_snapshot_failure = error;
SAVEPOINT refused_verdict;
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE');
\echo :SQLSTATE
ROLLBACK TO refused_verdict;
-- A verdict cannot name a snapshot its run lacks, in either mode.
INSERT INTO policy_snapshots (id, version, policies) VALUES ('00000000-0000-4000-8000-0000000000b1', 'v1.0.0', '{}');
SAVEPOINT mismatch;
INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score, proposed_action)
VALUES ('00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000b1', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE');
\echo :SQLSTATE
ROLLBACK TO mismatch;
ROLLBACK;

-- With the policy active again (the transaction rolled back), runs get snapshots in warn mode too.
SET afu9_policy.on_snapshot_failure = warn;
INSERT INTO workflow_executions (workflow_id, status) VALUES ('wf-2', 'running')
RETURNING policy_snapshot_id IS NOT NULL AS has_snapshot;
RESET afu9_policy.on_snapshot_failure;

-- Only error and warn are accepted.
SET afu9_policy.on_snapshot_failure = sometimes;
\echo :SQLSTATE
SHOW afu9_policy.on_snapshot_failure;

-- In a new session the library is not loaded yet and PostgreSQL keeps any value as a
-- placeholder; loading the library (any afu9_policy function) drops an invalid one with a
-- WARNING, so the mode stays error.
\c
SET afu9_policy.on_snapshot_failure = sometimes;
SELECT snapshot_failure_mode();
SHOW afu9_policy.on_snapshot_failure;

-- The trigger function runs only where it belongs: BEFORE INSERT FOR EACH ROW on runs.
CREATE TABLE not_runs (x int);
CREATE TRIGGER misplaced AFTER INSERT ON not_runs FOR EACH STATEMENT EXECUTE FUNCTION take_policy_snapshot();
INSERT INTO not_runs VALUES (1);
\echo :SQLSTATE
DROP TRIGGER misplaced ON not_runs;
CREATE TRIGGER misplaced BEFORE INSERT ON not_runs FOR EACH ROW EXECUTE FUNCTION take_policy_snapshot();
INSERT INTO not_runs VALUES (1);
\echo :SQLSTATE
SELECT count(*) AS rows_stored FROM not_runs;
DROP TABLE not_runs;
