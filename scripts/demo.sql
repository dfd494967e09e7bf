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
\x off

\echo '== an A/B experiment: v1.2.0 (escalates CloudFormation rollbacks to humans) on 20% of new runs'
SELECT version FROM publish_policy('v1.2.0',
    jsonb_set(active_policy(), '{playbooks,CFN_ROLLBACK_LOCK,action}', '"HUMAN_REQUIRED"'), activate => false);
SELECT running FROM start_policy_experiment('escalate-rollbacks',
    '[{"version": "v1.1.0", "weight": 80}, {"version": "v1.2.0", "weight": 20}]');
SELECT experiment, event, arms FROM policy_experiment_history;
-- Two weeks of runs (created_at set here only to spread them over days), a third failing.
INSERT INTO workflow_executions (workflow_id, status, created_at)
SELECT 'ab-' || i, CASE WHEN i % 3 = 0 THEN 'failed' ELSE 'completed' END, now() - (i % 14) * interval '1 day'
  FROM generate_series(1, 1500) i;
SELECT count(generate_verdict(e.id, CASE WHEN n % 4 = 0 THEN '[{"resourceType": "AWS::Lambda::Function", "statusReason": "Rate exceeded"}]'
                                         ELSE '[{"resourceType": "AWS::CloudFormation::Stack", "statusReason": "Stack is in ROLLBACK_IN_PROGRESS state"}]' END::jsonb))
       AS verdicts
  FROM (SELECT e.id, row_number() OVER (ORDER BY e.id) AS n FROM workflow_executions e
         WHERE e.status = 'failed' AND e.workflow_id LIKE 'ab-%') e;
-- Each run's arm is recorded in its row and recomputable from its id.
SELECT consistent, count(*) AS runs FROM policy_experiment_runs GROUP BY 1;
SELECT arm, policy_version, control, runs, failure_rate, verdicts, unknown_rate, escalation_rate,
       escalation_rate_p_value, significant_differences
  FROM policy_experiment_results;
SELECT running FROM stop_policy_experiment('escalate-rollbacks');

\echo '== a repository policy: a template plus overrides; the snapshot holds the whole rendered policy'
SELECT name, version FROM publish_policy_template('cdk-services', 'v1.0.0', active_policy());
SELECT version, policy_version_base(v) AS base, overrides FROM publish_policy_overrides('v1.0.0',
    '5e1a7a5e-0000-4000-8000-000000000001', 'v1.0.0',
    '{"confidence": {"MISSING_SECRET": 0.99}, "remove_rules": ["UNIT_MISMATCH"], "playbooks": {"UNIT_MISMATCH": null}}',
    template => 'cdk-services') v;
-- A new template version changes nothing by itself: a preview shows what re-rendering would.
SELECT version FROM publish_policy_template('cdk-services', 'v1.1.0',
    jsonb_set(active_policy(), '{classification_rules,0,confidence}', '0.95'));
SELECT repository_id, version, current_base, changes, error FROM policy_base_preview('v1.1.0', 'cdk-services');

\echo '== the governance report, one HTML page: target/report.html'
SELECT seal_policy_ledger() >= 0 AS sealed;
\set QUIET on
\pset format unaligned
\pset tuples_only on
\o target/report.html
SELECT policy_report(interval '14 days');
\o
\pset format aligned
\pset tuples_only off
\set QUIET off
SELECT pg_size_pretty(length(policy_report(interval '14 days'))::bigint) AS report_size;
