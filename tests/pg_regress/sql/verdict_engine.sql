-- generate_verdict from the run's own snapshot; audits with replay; statistics; consistency.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- Two runs: e1 snapshotted with v1.0.0, e2 with an older policy in which every failure is
-- a DISK_FULL (fixed ids keep the output reproducible).
INSERT INTO policy_snapshots (id, version, policies) VALUES
    ('00000000-0000-4000-8000-0000000000b1', 'v1.0.0', active_policy()),
    ('00000000-0000-4000-8000-0000000000b2', 'v0.9.0',
     '{"classification_rules": [{"errorClass": "DISK_FULL", "service": "EC2", "confidence": 0.855,
                                 "tokens": ["disk"], "patterns": ["."]}],
       "playbooks": {"DISK_FULL": {"action": "HUMAN_REQUIRED", "playbookId": "disk-full"},
                     "UNKNOWN": {"action": "OPEN_ISSUE", "playbookId": "unknown-error"}},
       "confidence_normalization": {}}');
INSERT INTO workflow_executions (id, workflow_id, status, policy_snapshot_id) VALUES
    ('00000000-0000-4000-8000-0000000000e1', 'wf-1', 'failed', '00000000-0000-4000-8000-0000000000b1'),
    ('00000000-0000-4000-8000-0000000000e2', 'wf-2', 'failed', '00000000-0000-4000-8000-0000000000b2');

-- The run's snapshot decides, not the active policy.
SELECT execution_id, policy_snapshot_id, error_class, service, confidence_score, proposed_action,
       playbook_id, verdict_type, fingerprint_id, tokens, metadata
  FROM generate_verdict('00000000-0000-4000-8000-0000000000e1',
                        '[{"resourceType": "AWS::CloudFormation::Stack", "statusReason": "Stack is in ROLLBACK_IN_PROGRESS", "logicalId": "App"}]');
SELECT execution_id, policy_snapshot_id, error_class, confidence_score, proposed_action, verdict_type
  FROM generate_verdict('00000000-0000-4000-8000-0000000000e2',
                        '[{"resourceType": "AWS::CloudFormation::Stack", "statusReason": "Stack is in ROLLBACK_IN_PROGRESS"}]');
SELECT count(*) AS verdicts FROM verdicts;

-- Refused, and nothing stored: an unknown run, a run without a snapshot, bad signals.
SELECT * FROM generate_verdict('00000000-0000-4000-8000-00000000dead', '[]');
\echo :SQLSTATE
BEGIN;
SET LOCAL afu9_policy.on_snapshot_failure = warn;
SET LOCAL client_min_messages = error;
ALTER TABLE policy_activations DISABLE TRIGGER policy_activations_reject_change;
DELETE FROM policy_activations;
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e3', 'wf-3', 'failed');
RESET client_min_messages;
SAVEPOINT no_snapshot;
SELECT * FROM generate_verdict('00000000-0000-4000-8000-0000000000e3', '[]');
\echo :SQLSTATE
ROLLBACK TO no_snapshot;
ROLLBACK;
SELECT * FROM generate_verdict('00000000-0000-4000-8000-0000000000e1', '{"resourceType": "X"}');
\echo :SQLSTATE
SELECT * FROM generate_verdict('00000000-0000-4000-8000-0000000000e1', '[{"resourceType": "X", "statusReason": null}]');
\echo :SQLSTATE
SELECT * FROM generate_verdict('00000000-0000-4000-8000-0000000000e1', NULL);
\echo :SQLSTATE
SELECT count(*) AS verdicts FROM verdicts;

-- Audits of generated verdicts are clean.
SELECT v.error_class, a.* FROM verdicts v, audit_verdict(v.id) a ORDER BY v.error_class;
SELECT count(*) AS audited, count(*) FILTER (WHERE compliant) AS compliant FROM audit_verdicts();
SELECT count(*) AS noncompliant FROM noncompliant_verdicts;
SELECT * FROM audit_verdict('00000000-0000-4000-8000-00000000dead');
\echo :SQLSTATE

-- A forged verdict (its class stored as something the snapshot would not decide) is found
-- by the replay; so are the five AFU-9 checks, each with its text.
ALTER TABLE verdicts DISABLE TRIGGER link_verdict_to_snapshot;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_confidence_score_check;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_proposed_action_check;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_run_policy_snapshot_fkey;
INSERT INTO verdicts (id, execution_id, policy_snapshot_id, fingerprint_id, error_class, service,
                      confidence_score, proposed_action, signals, created_at) VALUES
    ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000b1',
     '66d58d5b98c6b6e6ab7b8c7fd7c4ef57', 'MISSING_SECRET', 'CloudFormation', 95, 'OPEN_ISSUE',
     '[{"resourceType": "AWS::CloudFormation::Stack", "statusReason": "Stack is in ROLLBACK_IN_PROGRESS"}]', now() - interval '1 minute'),
    ('00000000-0000-4000-8000-0000000000f2', '00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000b2',
     'fp', 'NOT_A_CLASS', 'X', 101, 'PANIC', '[]', now() - interval '2 hours');
SELECT id, (audit_verdict(id)).* FROM verdicts
 WHERE id IN ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-0000000000f2') ORDER BY id;
-- audit_verdict(v, s) against a snapshot the verdict does not name.
SELECT (audit_verdict(v, s)).issues
  FROM verdicts v, policy_snapshots s
 WHERE v.error_class = 'CFN_ROLLBACK_LOCK' AND s.id = '00000000-0000-4000-8000-0000000000b2';
SELECT verdict_id, policy_version, cardinality(issues) AS issues FROM noncompliant_verdicts ORDER BY verdict_id;
SELECT error_class, compliant FROM audit_verdicts(interval '1 hour') ORDER BY error_class;

-- Statistics and consistency.
SELECT * FROM verdict_statistics ORDER BY error_class, service;
SELECT * FROM verdict_consistency();
SELECT * FROM verdict_consistency(interval '1 hour');
-- A second verdict on f1's fingerprint with another score makes that group inconsistent:
-- 3 of 4 groups are consistent.
INSERT INTO verdicts (execution_id, policy_snapshot_id, fingerprint_id, error_class, service,
                      confidence_score, proposed_action, signals)
SELECT execution_id, policy_snapshot_id, fingerprint_id, error_class, service, 50, proposed_action, signals
  FROM verdicts WHERE id = '00000000-0000-4000-8000-0000000000f1';
SELECT total, consistency_score FROM verdict_consistency();
BEGIN;
DELETE FROM verdicts;
SELECT * FROM verdict_consistency();
ROLLBACK;

-- Signals holding anything besides what the classifier reads (a number beyond double range,
-- nesting past 128 levels) are stored as given, with their verdict, and audit clean.
INSERT INTO workflow_executions (id, workflow_id, status) VALUES ('00000000-0000-4000-8000-0000000000e4', 'wf-4', 'failed');
SELECT error_class, proposed_action, verdict_type
  FROM generate_verdict('00000000-0000-4000-8000-0000000000e4',
       jsonb_build_array('{"resourceType": "R", "statusReason": "secret not found", "timestamp": 1e400}'::jsonb,
                         jsonb_build_object('resourceType', 'R', 'statusReason', 'again',
                                            'detail', (repeat('[', 300) || repeat(']', 300))::jsonb)));
SELECT a.compliant, a.issues FROM verdicts v, audit_verdict(v.id) a
 WHERE v.execution_id = '00000000-0000-4000-8000-0000000000e4';

-- Many runs in one statement: in the order given, each classified with its own snapshot (e2's
-- decides DISK_FULL for anything); all or nothing.
INSERT INTO workflow_executions (id, workflow_id, status) VALUES
    ('00000000-0000-4000-8000-0000000000e5', 'wf-5', 'failed'), ('00000000-0000-4000-8000-0000000000e6', 'wf-6', 'failed');
SELECT execution_id, error_class, proposed_action, verdict_type, metadata->>'generated_by' AS generated_by
  FROM generate_verdicts(ARRAY['00000000-0000-4000-8000-0000000000e6', '00000000-0000-4000-8000-0000000000e5',
                               '00000000-0000-4000-8000-0000000000e2']::uuid[],
                         ARRAY['[{"resourceType": "R", "statusReason": "secret not found"}]', '[]',
                               '[{"resourceType": "R", "statusReason": "secret not found"}]']::jsonb[]);
SELECT count(*) AS verdicts FROM verdicts;
SELECT * FROM generate_verdicts(ARRAY['00000000-0000-4000-8000-0000000000e5']::uuid[], ARRAY[]::jsonb[]);
\echo :SQLSTATE
SELECT * FROM generate_verdicts(ARRAY['00000000-0000-4000-8000-0000000000e5', '00000000-0000-4000-8000-00000000dead']::uuid[],
                                ARRAY['[]', '[]']::jsonb[]);
\echo :SQLSTATE
SELECT * FROM generate_verdicts(ARRAY['00000000-0000-4000-8000-0000000000e5', '00000000-0000-4000-8000-0000000000e6']::uuid[],
                                ARRAY['[]', '{"resourceType": "X"}']::jsonb[]);
\echo :SQLSTATE
SELECT * FROM generate_verdicts(NULL, ARRAY['[]']::jsonb[]);
\echo :SQLSTATE
SELECT count(*) AS verdicts FROM verdicts;
