-- factory_status(): the AFU-9 Factory Status response, API 1.1.0.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- Empty: zeros, empty lists, nulls where there is nothing to average.
SELECT jsonb_pretty(factory_status() - 'timestamp');
SELECT factory_status()->>'timestamp' = iso8601(now()) AS timestamp_is_now,
       factory_status()->>'timestamp' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' AS iso_8601;

-- Runs from long ago (outside every KPI period), with fixed ids and times.
INSERT INTO policy_snapshots (id, version, policies)
SELECT ('00000000-0000-4000-8000-0000000000b' || i)::uuid, 'v1.0.0', active_policy() FROM generate_series(1, 4) i;
INSERT INTO workflow_executions (id, workflow_id, status, started_at, completed_at, error, triggered_by, policy_snapshot_id) VALUES
    ('00000000-0000-4000-8000-0000000000e1', 'wf-456', 'completed', '2025-01-15 09:50:00+00', '2025-01-15 09:55:00+00', NULL, 'github-actions', '00000000-0000-4000-8000-0000000000b1'),
    ('00000000-0000-4000-8000-0000000000e2', 'wf-456', 'failed', '2025-01-15 09:40:00+00', '2025-01-15 09:41:00.5+00', 'Stack is in ROLLBACK_IN_PROGRESS', 'github-actions', '00000000-0000-4000-8000-0000000000b2'),
    ('00000000-0000-4000-8000-0000000000e3', 'wf-789', 'running', '2025-01-15 10:00:00+00', NULL, NULL, 'cron', '00000000-0000-4000-8000-0000000000b3'),
    ('00000000-0000-4000-8000-0000000000e4', 'wf-789', 'completed', '2025-01-15 09:30:00+00', '2025-01-15 09:30:00+00', NULL, 'cron', '00000000-0000-4000-8000-0000000000b4');
INSERT INTO verdicts (id, execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, created_at)
VALUES ('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-0000000000e2', 'fp2', 'CFN_ROLLBACK_LOCK', 'CloudFormation', 95, 'OPEN_ISSUE', '2025-01-15 09:41:01+00');

-- Newest start first, at most run_limit; durationMs null when not completed or zero; the
-- newest failure with an error first, at most error_limit.
SELECT jsonb_pretty(factory_status(3, 1)->'runs');
SELECT jsonb_pretty(factory_status(3, 1)->'errors');
SELECT jsonb_pretty(factory_status()->'verdicts'->'summary');

-- Runs within the period: 2 completed (2 s, 4 s), 1 failed (1 s), 1 running.
INSERT INTO workflow_executions (id, workflow_id, status, started_at, completed_at, error)
SELECT ('00000000-0000-4000-8000-0000000000c' || i)::uuid, 'wf-now', s,
       now() - interval '1 hour', now() - interval '1 hour' + d, e
  FROM (VALUES (1, 'completed', interval '2 seconds', NULL),
               (2, 'completed', interval '4 seconds', NULL),
               (3, 'failed', interval '1 second', 'secret not found'),
               (4, 'running', NULL, NULL)) AS t(i, s, d, e);
SELECT execution_id, error_class FROM generate_verdict('00000000-0000-4000-8000-0000000000c3',
    '[{"resourceType": "AWS::SecretsManager::Secret", "statusReason": "secret not found"}]');
SELECT execution_id, error_class FROM generate_verdict('00000000-0000-4000-8000-0000000000c2',
    '[{"resourceType": "AWS::CloudFormation::Stack", "statusReason": "Stack is in ROLLBACK_IN_PROGRESS"}]');
SELECT jsonb_pretty(factory_status()->'kpis');
SELECT jsonb_pretty(factory_status()->'verdicts'->'kpis');
-- The verdict KPIs follow the period (the old system always used 24 hours): a verdict of 30
-- hours ago counts in a 48-hour period only.
INSERT INTO verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, created_at)
VALUES ('00000000-0000-4000-8000-0000000000c3', 'fp', 'UNKNOWN', 'Unknown', 50, 'OPEN_ISSUE', now() - interval '30 hours');
SELECT factory_status(10, 10, 24)->'verdicts'->'kpis'->'totalVerdicts' AS verdicts_24_hours,
       factory_status(10, 10, 48)->'verdicts'->'kpis'->'totalVerdicts' AS verdicts_48_hours;
SELECT factory_status()->'runs'->'total' AS runs_total, factory_status()->'errors'->'total' AS errors_total;

-- Out of range: an error naming the parameter and its range.
SELECT factory_status(0);
\echo :SQLSTATE
SELECT factory_status(101);
\echo :SQLSTATE
SELECT factory_status(10, 0);
\echo :SQLSTATE
SELECT factory_status(10, 10, 169);
\echo :SQLSTATE
SELECT factory_status(10, 10, NULL);
\echo :SQLSTATE
