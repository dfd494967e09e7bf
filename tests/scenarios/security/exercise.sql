-- Uses every function, view and guarded table of the extension, as one role, the way an
-- application does: with public (where the owner planted its overloads) first on the
-- search_path. Nothing here calls an operator or an unqualified function itself, so a CANARY
-- warning can only come from the extension. Variables: is_owner, is_writer (true or false),
-- run and repo (uuids), writer and auditor (roles the owner grants to).
\set ON_ERROR_STOP 1
\set QUIET 1
\o /dev/null
SET search_path = "$user", public;
-- Relations planted in pg_temp under the extension's names: never read in place of its own.
CREATE TEMP TABLE policy_versions (x int);
CREATE TEMP TABLE policy_activations (x int);
CREATE TEMP TABLE policy_documents (x int);
CREATE TEMP TABLE policy_snapshot_records (x int);
CREATE TEMP TABLE policy_ledger (x int);
CREATE TEMP TABLE workflow_executions (x int);
CREATE TEMP TABLE verdicts (x int);

\if :is_owner
SELECT afu9_policy.validate_policy(afu9_policy.active_policy());
SELECT * FROM afu9_policy.publish_policy('v1.1.0'::text, afu9_policy.active_policy(), true, :'repo'::uuid);
SELECT * FROM afu9_policy.activate_policy('v1.0.0'::text, :'repo'::uuid);
SELECT * FROM afu9_policy.activate_policy('v1.1.0'::text, :'repo'::uuid);
SELECT * FROM afu9_policy.policy_diff('v1.0.0'::text, 'v1.1.0'::text, :'repo'::uuid);
SELECT * FROM afu9_policy.find_policy_version('v1.1.0'::text, :'repo'::uuid);
SELECT * FROM afu9_policy.replay_verdicts('v1.1.0'::text, '30 days'::interval, :'repo'::uuid);
SELECT afu9_policy.grant_policy_writer(:'writer'::regrole);
SELECT afu9_policy.grant_policy_auditor(:'auditor'::regrole);
\endif

\if :is_writer
INSERT INTO public.workflow_executions (id, workflow_id, status, repository_id)
VALUES (:'run'::uuid, 'wf'::text, 'running'::text, :'repo'::uuid);
INSERT INTO public.workflow_executions (workflow_id, status) VALUES ('wf'::text, 'running'::text);
INSERT INTO public.workflow_executions (workflow_id, status) VALUES ('wf'::text, 'running'::text)
ON CONFLICT DO NOTHING;
SELECT * FROM afu9_policy.update_run_status(:'run'::uuid, 'failed'::text, NULL::jsonb, 'secret not found'::text);
SELECT id AS verdict FROM afu9_policy.generate_verdict(:'run'::uuid,
    '[{"resourceType": "R", "statusReason": "secret not found"}]'::jsonb) \gset
SELECT * FROM afu9_policy.audit_verdict(:'verdict'::uuid);
INSERT INTO public.verdicts (execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, signals)
VALUES (:'run'::uuid, 'fp'::text, 'UNKNOWN'::text, 'Unknown'::text, 50::integer, 'OPEN_ISSUE'::text,
        '[{"resourceType": "R", "statusReason": "?"}]'::jsonb);
\endif

-- Everyone reads.
SELECT * FROM afu9_policy.classify_failure('[{"resourceType": "R", "statusReason": "Throttling: Rate exceeded"}]'::jsonb);
SELECT * FROM afu9_policy.classify_failure('[]'::jsonb, afu9_policy.active_policy());
SELECT * FROM afu9_policy.replay_classification('[]'::jsonb, afu9_policy.active_policy());
SELECT afu9_policy.normalize_confidence(0.85::double precision);
SELECT afu9_policy.snapshot_failure_mode();
SELECT * FROM afu9_policy.active_policy_version(:'repo'::uuid);
SELECT afu9_policy.active_policy(:'repo'::uuid);
SELECT * FROM afu9_policy.get_policy_snapshot_for_execution(:'run'::uuid);
SELECT * FROM afu9_policy.policy_kpis('30 days'::interval);
SELECT * FROM afu9_policy.verdict_consistency('30 days'::interval);
SELECT * FROM afu9_policy.audit_verdicts('30 days'::interval);
SELECT afu9_policy.factory_status(10, 10, 24);
SELECT * FROM public.workflow_executions;
SELECT * FROM public.verdicts;
SELECT * FROM public.policy_snapshots;
SELECT * FROM public.executions_with_policy;
SELECT * FROM public.verdicts_with_policy;
SELECT * FROM afu9_policy.policy_kpis;
SELECT * FROM afu9_policy.verdict_audits;
SELECT * FROM afu9_policy.noncompliant_verdicts;
SELECT * FROM public.verdict_statistics;
SELECT * FROM afu9_policy.policy_history;
SELECT * FROM afu9_policy.policy_version_stats;
SELECT * FROM afu9_policy.policy_ledger_rows;
SELECT afu9_policy.seal_policy_ledger();
SELECT afu9_policy.policy_ledger_digest();
SELECT * FROM afu9_policy.verify_policy_ledger(afu9_policy.policy_ledger_digest());
