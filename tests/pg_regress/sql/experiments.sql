-- A/B experiments: runs assigned an arm by their id, recorded in their row, recomputable;
-- history never edited and sealed; analytics per arm with significance tests; who may do what.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
DROP ROLE IF EXISTS exp_admin, exp_auditor;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;
SET search_path = public, afu9_policy;

-- v1.1.0 is v1.0.0 with CFN_ROLLBACK_LOCK escalated to humans; published, not activated.
SELECT version FROM publish_policy('v1.1.0',
    jsonb_set(active_policy(), '{playbooks,CFN_ROLLBACK_LOCK,action}', '"HUMAN_REQUIRED"'), false);

-- Refused, each with its reason, and nothing recorded.
SELECT start_policy_experiment('bad name!', '[{"version":"v1.0.0","weight":1},{"version":"v1.1.0","weight":1}]');
\echo :SQLSTATE
SELECT start_policy_experiment('canary', '{"version":"v1.0.0"}');
\echo :SQLSTATE
SELECT start_policy_experiment('canary', '[{"version":"v1.0.0","weight":1}]');
\echo :SQLSTATE
SELECT start_policy_experiment('canary', '[{"version":"v1.0.0","weight":-1},{"version":"v1.1.0","weight":1}]');
\echo :SQLSTATE
SELECT start_policy_experiment('canary', '[{"version":"v1.0.0","weight":0.5},{"version":"v1.1.0","weight":1}]');
\echo :SQLSTATE
SELECT start_policy_experiment('canary', '[{"version":"v1.0.0","weight":1},{"version":"v1.0.0","weight":1}]');
\echo :SQLSTATE
SELECT start_policy_experiment('canary', '[{"version":"v1.0.0","weight":1},{"version":"v9.0.0","weight":1}]');
\echo :SQLSTATE
SELECT start_policy_experiment('canary', '[{"version":"v1.0.0","weight":0},{"version":"v1.1.0","weight":0}]');
\echo :SQLSTATE
SELECT start_policy_experiment('canary', '[{"version":"v1.0.0","weight":1,"extra":true},{"version":"v1.1.0","weight":1}]');
\echo :SQLSTATE
SELECT (SELECT count(*) FROM policy_experiments) AS experiments, (SELECT count(*) FROM policy_experiment_allocations) AS allocations;

-- 90/10 over the global scope. Run ids are fixed, so the assignment is too.
SELECT running FROM start_policy_experiment('canary',
    '[{"version":"v1.0.0","weight":90},{"version":"v1.1.0","weight":10}]');
INSERT INTO workflow_executions (id, workflow_id, status)
SELECT md5('run-' || i)::uuid, 'ab', CASE WHEN i % 4 = 0 THEN 'failed' ELSE 'completed' END
  FROM generate_series(1, 400) i;
-- Each run's version is its arm's; the counts are what anyone recomputes from the run ids.
SELECT v.version, r.arm, count(*) AS runs
  FROM workflow_executions e JOIN policy_versions v ON v.id = e.policy_version_id
  JOIN policy_experiment_arms r ON r.id = e.policy_experiment_arm_id
 GROUP BY 1, 2 ORDER BY 2;
SELECT count(*) FILTER (WHERE policy_experiment_bucket('canary', md5('run-' || i)::uuid) % 100 < 90) AS recomputed_arm_1,
       count(*) FILTER (WHERE policy_experiment_bucket('canary', md5('run-' || i)::uuid) % 100 >= 90) AS recomputed_arm_2
  FROM generate_series(1, 400) i;
SELECT consistent, count(*) FROM policy_experiment_runs GROUP BY 1;
SELECT policy_experiment_bucket('canary', '00000000-0000-0000-0000-000000000001');
-- The run's snapshot says which experiment and arm chose its version.
SELECT s.metadata->>'experiment' AS experiment, s.metadata->>'experiment_arm' AS arm, s.version, s.policies = policy_document(v.document_hash) AS complete
  FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id
  JOIN policy_versions v ON v.id = e.policy_version_id
 WHERE e.id = md5('run-1')::uuid;

-- One experiment per scope at a time; names are never reused.
SELECT start_policy_experiment('second', '[{"version":"v1.0.0","weight":1},{"version":"v1.1.0","weight":1}]');
\echo :SQLSTATE
SELECT start_policy_experiment('canary', '[{"version":"v1.0.0","weight":1},{"version":"v1.1.0","weight":1}]', 'bbbbbbbb-0000-0000-0000-000000000001');
\echo :SQLSTATE

-- A repository with a version of its own active is not in the global experiment; one without is.
SELECT version FROM publish_policy('v1.0.0', active_policy(), true, 'bbbbbbbb-0000-0000-0000-000000000001');
INSERT INTO workflow_executions (id, workflow_id, repository_id)
SELECT md5('own-' || i)::uuid, 'own', 'bbbbbbbb-0000-0000-0000-000000000001'::uuid FROM generate_series(1, 20) i
UNION ALL
SELECT md5('plain-' || i)::uuid, 'plain', 'bbbbbbbb-0000-0000-0000-000000000002'::uuid FROM generate_series(1, 20) i;
SELECT workflow_id, count(policy_experiment_arm_id) AS in_experiment, count(*) AS runs
  FROM workflow_executions WHERE workflow_id IN ('own', 'plain') GROUP BY 1 ORDER BY 1;
-- The repository's own experiment decides its runs, beside the global one.
SELECT version FROM publish_policy('v1.1.0', jsonb_set(active_policy(), '{playbooks,CFN_ROLLBACK_LOCK,action}', '"HUMAN_REQUIRED"'),
                                   false, 'bbbbbbbb-0000-0000-0000-000000000001');
SELECT running FROM start_policy_experiment('repo-b', '[{"version":"v1.0.0","weight":0},{"version":"v1.1.0","weight":1}]',
                                            'bbbbbbbb-0000-0000-0000-000000000001');
INSERT INTO workflow_executions (workflow_id, repository_id) VALUES ('own-exp', 'bbbbbbbb-0000-0000-0000-000000000001');
SELECT s.version, s.metadata->>'experiment' AS experiment, v.repository_id
  FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id
  JOIN policy_versions v ON v.id = e.policy_version_id WHERE e.workflow_id = 'own-exp';

-- Changing the weights is a new allocation: from the next statement on, all to v1.1.0.
BEGIN;
SELECT running FROM set_policy_experiment_weights('canary', '[{"version":"v1.0.0","weight":0},{"version":"v1.1.0","weight":1}]');
INSERT INTO workflow_executions (workflow_id) SELECT 'reweighted' FROM generate_series(1, 10);
COMMIT;
SELECT v.version, count(*) FROM workflow_executions e JOIN policy_versions v ON v.id = e.policy_version_id
 WHERE e.workflow_id = 'reweighted' GROUP BY 1;
SELECT consistent, count(*) FROM policy_experiment_runs GROUP BY 1;

-- Stopping: the active version decides again; the experiment cannot be stopped or changed twice.
SELECT running FROM stop_policy_experiment('canary');
INSERT INTO workflow_executions (workflow_id) VALUES ('after-stop');
SELECT s.version, e.policy_experiment_arm_id, s.metadata ? 'experiment' AS in_experiment
  FROM workflow_executions e JOIN policy_snapshots s ON s.id = e.policy_snapshot_id WHERE e.workflow_id = 'after-stop';
SELECT stop_policy_experiment('canary');
\echo :SQLSTATE
SELECT set_policy_experiment_weights('canary', '[{"version":"v1.0.0","weight":1},{"version":"v1.1.0","weight":1}]');
\echo :SQLSTATE
SELECT stop_policy_experiment('nope');
\echo :SQLSTATE
SELECT experiment, repository_id, event, arms FROM policy_experiment_history;

-- History is never edited; a run keeps its arm.
UPDATE policy_experiments SET name = 'renamed';
\echo :SQLSTATE
DELETE FROM policy_experiment_allocations;
\echo :SQLSTATE
UPDATE policy_experiment_arms SET weight = 50;
\echo :SQLSTATE
TRUNCATE policy_experiment_arms;
\echo :SQLSTATE
UPDATE workflow_executions SET policy_experiment_arm_id = NULL WHERE id = md5('run-1')::uuid;
\echo :SQLSTATE

-- Sealed in the ledger; a weight changed behind the guards' back is found.
SELECT seal_policy_ledger() > 0 AS sealed;
SELECT chain, count(*) FROM policy_ledger WHERE chain IN ('policy_experiments', 'run_snapshots') GROUP BY 1 ORDER BY 1;
BEGIN;
ALTER TABLE policy_experiment_arms DISABLE TRIGGER policy_experiment_arms_reject_change;
UPDATE policy_experiment_arms SET weight = 50
 WHERE arm = 1 AND allocation_id = (SELECT min(allocation_id) FROM policy_experiment_history WHERE experiment = 'canary');
SELECT table_name, row_id = (SELECT min(allocation_id)::text FROM policy_experiment_history WHERE experiment = 'canary') AS canary_start, kind
  FROM verify_policy_ledger();
ROLLBACK;

-- Analytics: verdicts for the failed runs, then each arm against the control.
SELECT count(generate_verdict(e.id, '[{"resourceType": "AWS::CloudFormation::Stack",
                                      "statusReason": "Stack is in ROLLBACK_IN_PROGRESS state"}]'))
  FROM workflow_executions e WHERE e.status = 'failed';
SELECT experiment, arm, policy_version, control, runs, failed_runs, failure_rate, failure_rate_low, failure_rate_high,
       verdicts, unknown_rate, escalations, escalation_rate, avg_confidence, actions, classes,
       failure_rate_p_value, escalation_rate_p_value, significant_differences
  FROM policy_experiment_results WHERE experiment = 'canary';
SELECT repository_id, policy_version, runs, failed_runs, failure_rate, verdicts, escalations, actions
  FROM policy_version_results;
-- The statistics on known numbers: 10 of 100 against 20 of 100, and equal proportions.
SELECT two_proportion_p_value(10, 100, 20, 100) AS p, two_proportion_p_value(10, 100, 10, 100) AS same,
       two_proportion_p_value(0, 100, 0, 50) AS both_zero, two_proportion_p_value(1, 0, 1, 10) AS empty,
       wilson_interval(10, 100) AS interval, wilson_interval(0, 0) AS no_interval;

-- Roles: administrators run experiments, auditors read their results.
CREATE ROLE exp_admin;
CREATE ROLE exp_auditor;
SELECT grant_policy_admin('exp_admin'), grant_policy_auditor('exp_auditor');
SET ROLE exp_auditor;
SELECT count(*) > 0 AS reads_results FROM policy_experiment_results;
SELECT count(*) > 0 AS reads_history FROM policy_experiment_history;
SELECT start_policy_experiment('by-auditor', '[{"version":"v1.0.0","weight":1},{"version":"v1.1.0","weight":1}]');
\echo :SQLSTATE
RESET ROLE;
SET ROLE exp_admin;
SELECT running FROM start_policy_experiment('by-admin', '[{"version":"v1.0.0","weight":1},{"version":"v1.1.0","weight":1}]');
SELECT actor FROM policy_experiment_history WHERE experiment = 'by-admin';
SELECT running FROM stop_policy_experiment('by-admin');
RESET ROLE;
SELECT revoke_policy_admin('exp_admin');
SET ROLE exp_admin;
SELECT start_policy_experiment('revoked', '[{"version":"v1.0.0","weight":1},{"version":"v1.1.0","weight":1}]');
\echo :SQLSTATE
SELECT count(*) >= 0 AS still_reads FROM policy_experiment_results;
RESET ROLE;
SET client_min_messages = warning;
DROP EXTENSION afu9_policy CASCADE;
DROP TABLE verdicts, workflow_executions CASCADE;
DROP ROLE exp_admin, exp_auditor;
