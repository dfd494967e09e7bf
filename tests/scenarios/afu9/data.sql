-- Data shaped like a live AFU-9 database (see schema.sql). Ids are md5-derived, so every rerun
-- yields the same ids; timestamps come from a fixed base, except runs 181..300 (and the verdicts
-- on them), which lie in the last 6 days relative to now() so that 7-day KPIs see them.
-- What the app really produces, and therefore what is modelled here:
--   * every run gets its own v1.0.0 snapshot (9 playbooks) besides the 8-playbook seed; linking
--     can fail silently, so 50 runs have none;
--   * runs stay 'running' (the final status UPDATE fails in the app), some are paused (HOLD),
--     some aborted to 'failed' with pause_metadata.abortMetadata; a few 'completed' ones exist;
--   * verdicts do not always match their run's snapshot; some have no run and no snapshot.

-- Session-only helpers; nothing of them stays in the database.
CREATE TEMP TABLE clock AS
SELECT timestamp '2026-11-01 00:00:00' AS base, date_trunc('second', now()::timestamp) AS now_ts;

-- One line per error class: the rule, the deploy-memory playbook and a sample CloudFormation signal.
CREATE TEMP TABLE classes (ix int, error_class text, service text, action text, playbook_id text,
                           score int, res_type text, logical_id text, reason text);
INSERT INTO classes VALUES
 (0, 'ACM_DNS_VALIDATION_PENDING', 'ACM', 'WAIT_AND_RETRY', 'acm-dns-validation', 90,
  'AWS::CertificateManager::Certificate', 'SiteCertificate', 'Certificate validation status PENDING_VALIDATION after 45 minutes'),
 (1, 'ROUTE53_DELEGATION_PENDING', 'Route53', 'HUMAN_REQUIRED', 'route53-delegation', 85,
  'AWS::Route53::RecordSet', 'ApiAliasRecord', 'Hosted zone afu9.example.net is not delegated from its parent zone'),
 (2, 'CFN_ROLLBACK_LOCK', 'CloudFormation', 'OPEN_ISSUE', 'cfn-rollback', 95,
  'AWS::CloudFormation::Stack', 'ControlCenterStack', 'Stack is in UPDATE_ROLLBACK_FAILED state and can not be updated'),
 (3, 'CFN_IN_PROGRESS_LOCK', 'CloudFormation', 'WAIT_AND_RETRY', 'cfn-in-progress', 95,
  'AWS::CloudFormation::Stack', 'NetworkStack', 'Stack is in UPDATE_IN_PROGRESS state, operation already in progress'),
 (4, 'MISSING_SECRET', 'SecretsManager', 'OPEN_ISSUE', 'missing-secret', 85,
  'AWS::SecretsManager::Secret', 'DbCredentials', 'Secrets Manager can''t find the specified secret afu9/database'),
 (5, 'MISSING_ENV_VAR', 'Configuration', 'OPEN_ISSUE', 'missing-env', 80,
  'AWS::ECS::TaskDefinition', 'ControlCenterTask', 'environment variable GITHUB_APP_ID is undefined'),
 (6, 'DEPRECATED_CDK_API', 'CDK', 'OPEN_ISSUE', 'deprecated-cdk', 75,
  'AWS::Lambda::Function', 'IngestFunction', '[DEPRECATED] currentVersionOptions is deprecated and will be removed'),
 (7, 'UNIT_MISMATCH', 'Configuration', 'OPEN_ISSUE', 'unit-mismatch', 80,
  'AWS::ECS::TaskDefinition', 'WorkerTask', 'memory 512 MB compared against a limit given in KB'),
 (8, 'UNKNOWN', 'Unknown', 'OPEN_ISSUE', 'unknown-error', 50,
  'AWS::EC2::SecurityGroup', 'AppSecurityGroup', 'Resource handler returned message: Internal Failure');

-- The seed policy document (8 playbooks); app-written snapshots add "UNKNOWN".
CREATE TEMP TABLE doc AS SELECT '{
  "classification_rules": [
    {"errorClass": "ACM_DNS_VALIDATION_PENDING", "service": "ACM", "confidence": 0.9,
     "patterns": ["validation status.*PENDING_VALIDATION", "DNS record for certificate.*not found"],
     "tokens": ["ACM", "certificate", "DNS"]},
    {"errorClass": "ROUTE53_DELEGATION_PENDING", "service": "Route53", "confidence": 0.85,
     "patterns": ["hosted zone.*not delegated", "NS lookup.*(no|missing) answer"],
     "tokens": ["Route53", "NS", "delegation"]},
    {"errorClass": "CFN_ROLLBACK_LOCK", "service": "CloudFormation", "confidence": 0.95,
     "patterns": ["UPDATE_ROLLBACK_(FAILED|IN_PROGRESS)", "ROLLBACK_COMPLETE.*can not be updated"],
     "tokens": ["CloudFormation", "rollback", "stack-lock"]},
    {"errorClass": "CFN_IN_PROGRESS_LOCK", "service": "CloudFormation", "confidence": 0.95,
     "patterns": ["(CREATE|UPDATE)_IN_PROGRESS state", "operation already in progress"],
     "tokens": ["CloudFormation", "in-progress", "stack-lock"]},
    {"errorClass": "MISSING_SECRET", "service": "SecretsManager", "confidence": 0.85,
     "patterns": ["can.t find the specified secret", "secret .* does not exist"],
     "tokens": ["SecretsManager", "secret", "missing"]},
    {"errorClass": "MISSING_ENV_VAR", "service": "Configuration", "confidence": 0.8,
     "patterns": ["environment variable .* is undefined", "required setting .* missing"],
     "tokens": ["configuration", "env", "missing"]},
    {"errorClass": "DEPRECATED_CDK_API", "service": "CDK", "confidence": 0.75,
     "patterns": ["\\[DEPRECATED\\]", "is deprecated and will be removed"],
     "tokens": ["CDK", "deprecated"]},
    {"errorClass": "UNIT_MISMATCH", "service": "Configuration", "confidence": 0.8,
     "patterns": ["[0-9]+ MB .* KB", "units? do not match"],
     "tokens": ["units", "mismatch", "configuration"]}
  ],
  "playbooks": {
    "ACM_DNS_VALIDATION_PENDING": "WAIT_AND_RETRY",
    "ROUTE53_DELEGATION_PENDING": "HUMAN_REQUIRED",
    "CFN_IN_PROGRESS_LOCK": "WAIT_AND_RETRY",
    "CFN_ROLLBACK_LOCK": "OPEN_ISSUE",
    "MISSING_SECRET": "OPEN_ISSUE",
    "MISSING_ENV_VAR": "OPEN_ISSUE",
    "DEPRECATED_CDK_API": "OPEN_ISSUE",
    "UNIT_MISMATCH": "OPEN_ISSUE"
  },
  "confidence_normalization": {"scale": "0-100", "formula": "raw_confidence * 100", "deterministic": true}
}'::jsonb AS seed;

-- The plan for runs 1..300: k = n % 20 picks the life story (0-10 running, 11-13 paused,
-- 14-15 paused then aborted, 16-17 aborted while running, 18-19 completed); n % 6 = 0 lost its
-- snapshot link; engine runs have no workflow_id, a quarter came through a named workflow.
CREATE TEMP TABLE plan AS
SELECT n, k,
       md5('afu9/run/' || n)::uuid AS id,
       CASE WHEN n % 6 <> 0 THEN md5('afu9/snapshot/run/' || n)::uuid END AS snap_id,
       CASE WHEN n % 4 = 1 THEN md5('afu9/workflow/' || (n / 4 % 3 + 1))::uuid END AS workflow_id,
       CASE WHEN n % 3 = 0 THEN md5('afu9/repo/' || n % 5)::uuid END AS repository_id,
       CASE WHEN k <= 10 THEN 'running' WHEN k <= 13 THEN 'paused'
            WHEN k <= 17 THEN 'failed' ELSE 'completed' END AS status,
       (n * 7) % 9 AS ix,
       CASE WHEN n > 180 THEN c.now_ts - (301 - n) * interval '68 minutes'
            ELSE c.base - interval '30 days' + n * interval '4 hours' END
         + (n * 37 % 60) * interval '1 second' AS started_at
  FROM generate_series(1, 300) n, LATERAL (SELECT n % 20 AS k) kk, clock c;

INSERT INTO workflows (id, name, description, definition, version, enabled, created_at, updated_at)
SELECT md5('afu9/workflow/' || i)::uuid, w.name, w.descr,
       jsonb_build_object('steps', (SELECT jsonb_agg(jsonb_build_object('name', s, 'tool', 'github.' || s, 'assign', s))
                                      FROM unnest(w.steps) s)),
       i, i <> 3, c.base - interval '60 days' + i * interval '1 day', c.base - interval '40 days'
  FROM (VALUES (1, 'issue_to_pr', 'Turn a labelled issue into a pull request',
                array['loadIssue', 'openBranch', 'openPullRequest']),
               (2, 'deploy_stack', 'Deploy the CDK stacks and watch CloudFormation',
                array['synth', 'deploy', 'verify']),
               (3, 'dependency_bump', 'Bump dependencies (disabled)', array['scan', 'bump'])) w(i, name, descr, steps),
       clock c;

INSERT INTO policy_snapshots (id, version, policies, created_at, metadata)
SELECT md5('afu9/snapshot/seed')::uuid, 'v1.0.0', d.seed, c.base - interval '45 days',
       '{"created_by": "AFU-9 Verdict Engine v1.1", "description": "Seed policy from the verdict engine migration"}'
  FROM doc d, clock c;

-- One snapshot per linked run, written a few milliseconds after the run's INSERT.
INSERT INTO policy_snapshots (id, version, policies, created_at, metadata)
SELECT p.snap_id, 'v1.0.0',
       jsonb_set(d.seed, '{playbooks,UNKNOWN}', '"OPEN_ISSUE"'),
       p.started_at + interval '40 milliseconds',
       jsonb_build_object('created_by', 'AFU-9 Workflow Engine',
                          'execution_id', p.id::text,
                          'description', 'Policy snapshot for execution ' || p.id,
                          'timestamp', to_char(p.started_at + interval '40 milliseconds',
                                               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  FROM plan p, doc d
 WHERE p.snap_id IS NOT NULL
 ORDER BY p.n;

-- Runs go in as the app leaves them before the last transition: failed and completed runs
-- are inserted 'running'/'paused' and moved below, so the AFTER UPDATE trigger writes their KPIs.
INSERT INTO workflow_executions (id, workflow_id, repository_id, status, input, output, context,
                                 started_at, completed_at, error, triggered_by, github_run_id,
                                 created_at, updated_at, policy_snapshot_id, pause_metadata)
SELECT p.id, p.workflow_id, p.repository_id,
       CASE WHEN p.k BETWEEN 11 AND 15 THEN 'paused' ELSE 'running' END,
       jsonb_build_object('issue_number', 400 + p.n, 'repo', jsonb_build_object('owner', 'acme', 'name', 'shop-' || p.n % 5)),
       NULL,
       jsonb_build_object('variables', jsonb_build_object('issue_number', 400 + p.n),
                          'repo', jsonb_build_object('owner', 'acme', 'name', 'shop-' || p.n % 5, 'default_branch', 'main')),
       p.started_at, NULL, NULL,
       CASE WHEN p.n % 7 = 0 THEN 'webhook:issues.labeled' END,
       CASE WHEN p.n % 7 = 0 THEN (9100000000 + p.n * 13)::text END,
       p.started_at,
       p.started_at + CASE WHEN p.k BETWEEN 11 AND 15 THEN interval '2 minutes' ELSE interval '60 milliseconds' END,
       p.snap_id,
       CASE WHEN p.k BETWEEN 11 AND 15 THEN
           jsonb_build_object('pausedAt', to_char(p.started_at + interval '2 minutes', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              'pausedBy', CASE WHEN p.n % 2 = 0 THEN 'system' ELSE 'user:ops-oncall' END,
                              'reason', 'HOLD: waiting for a human decision')
           || CASE WHEN p.n % 3 <> 0 THEN jsonb_build_object('pausedAtStepIndex', p.n % 3) ELSE '{}' END
       END
  FROM plan p
 ORDER BY p.n;

-- The abort path (RED verdict): completed_at is set relative to started_at so durations are stable.
UPDATE workflow_executions e
   SET status = 'failed',
       error = 'Workflow aborted: RED verdict ' || c.error_class,
       completed_at = p.started_at + (5 + p.n % 11) * interval '1 minute',
       pause_metadata = jsonb_set(coalesce(e.pause_metadata, '{}'), '{abortMetadata}',
           jsonb_build_object('abortedAt', to_char(p.started_at + (5 + p.n % 11) * interval '1 minute',
                                                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              'abortedBy', 'system',
                              'reason', 'RED verdict: ' || c.error_class,
                              'abortedAtStepIndex', p.n % 3,
                              'verdictInfo', jsonb_build_object('verdictType', 'RED', 'simpleVerdict', 'RED',
                                                                'action', c.action, 'errorClass', c.error_class)))
  FROM plan p JOIN classes c USING (ix)
 WHERE e.id = p.id AND p.status = 'failed';

UPDATE workflow_executions e
   SET status = 'completed',
       output = jsonb_build_object('pull_request', jsonb_build_object('number', 900 + p.n, 'state', 'open')),
       completed_at = p.started_at + (3 + p.n % 7) * interval '1 minute'
  FROM plan p
 WHERE e.id = p.id AND p.status = 'completed';

-- The trigger stamps its rows with now() and random ids; pin them so reruns compare equal.
UPDATE kpi_snapshots
   SET id = md5('afu9/kpi/' || scope_id || '/' || kpi_name)::uuid,
       calculated_at = period_end, created_at = period_end;

-- Factory-level rows, as the aggregation job writes them (one per day and KPI).
INSERT INTO kpi_snapshots (id, kpi_name, level, value, unit, metadata, calculated_at,
                           period_start, period_end, created_at)
SELECT md5('afu9/kpi/factory/' || d || '/' || k.name)::uuid, k.name, 'factory', k.val * (1 + d % 3 * 0.05),
       k.unit, '{"source": "kpi-aggregation-scheduler"}',
       c.base - d * interval '1 day', c.base - (d + 1) * interval '1 day',
       c.base - d * interval '1 day', c.base - d * interval '1 day'
  FROM generate_series(0, 9) d, clock c,
       (VALUES ('mtti', 421000.0, 'milliseconds'), ('success_rate', 33.33, 'percent')) k(name, val, unit);

-- Steps: the app's step UPDATE fails like the run's, so engine runs keep their steps 'running';
-- runs of a named workflow got proper step statuses.
INSERT INTO workflow_steps (id, execution_id, step_name, step_index, status, input, output,
                            started_at, completed_at, duration_ms, error, retry_count, created_at, updated_at)
SELECT md5('afu9/step/' || p.n || '/' || j)::uuid, p.id, s.name, j,
       CASE WHEN p.workflow_id IS NULL THEN 'running'
            WHEN j < p.n % 3 OR p.status = 'completed' THEN 'completed'
            WHEN p.status = 'failed' THEN 'failed'
            ELSE 'running' END,
       jsonb_build_object('issue_number', 400 + p.n),
       CASE WHEN p.workflow_id IS NOT NULL AND (j < p.n % 3 OR p.status = 'completed')
            THEN jsonb_build_object('ok', true) END,
       p.started_at + j * interval '30 seconds',
       CASE WHEN p.workflow_id IS NOT NULL AND (j < p.n % 3 OR p.status IN ('completed', 'failed'))
            THEN p.started_at + j * interval '30 seconds' + interval '20 seconds' END,
       CASE WHEN p.workflow_id IS NOT NULL AND (j < p.n % 3 OR p.status IN ('completed', 'failed'))
            THEN 20000 END,
       CASE WHEN p.workflow_id IS NOT NULL AND p.status = 'failed' AND j = p.n % 3
            THEN 'aborted by RED verdict' END,
       (p.n + j) % 4 / 3,
       p.started_at + j * interval '30 seconds', p.started_at + j * interval '30 seconds'
  FROM plan p,
       generate_series(0, p.n % 3) j,
       LATERAL (SELECT (array['loadIssue', 'openBranch', 'openPullRequest'])[j + 1] AS name) s
 WHERE p.n % 4 IN (1, 2);

-- Verdicts 1..116 go to the 105 paused/failed runs (the first 11 runs get a second one, of
-- another class); 117..120 were filed by hand without run or snapshot. On runs that lost
-- their snapshot link, odd verdicts point at the seed snapshot and even ones at none.
CREATE TEMP TABLE vplan AS
WITH targets AS (
    SELECT p.*, row_number() OVER (ORDER BY p.n) AS r FROM plan p WHERE p.status IN ('paused', 'failed')
)
SELECT v, t.id AS run_id, t.started_at AS run_started,
       CASE WHEN t.snap_id IS NOT NULL THEN t.snap_id
            WHEN v % 2 = 1 THEN md5('afu9/snapshot/seed')::uuid END AS snap_id,
       CASE WHEN v <= 105 THEN t.ix ELSE (t.ix + 4) % 9 END AS ix
  FROM generate_series(1, 116) v
  JOIN targets t ON t.r = (v - 1) % 105 + 1
UNION ALL
SELECT v, NULL, CASE WHEN v <= 118 THEN c.base - (v - 110) * interval '1 day'
                     ELSE c.now_ts - (v - 116) * interval '1 day' END,
       NULL, v % 9
  FROM generate_series(117, 120) v, clock c;

INSERT INTO verdicts (id, execution_id, policy_snapshot_id, fingerprint_id, error_class, service,
                      confidence_score, proposed_action, tokens, signals, playbook_id, created_at,
                      metadata, verdict_type)
SELECT md5('afu9/verdict/' || vp.v)::uuid, vp.run_id, vp.snap_id,
       md5(c.error_class || '|' || c.service || '|' || vp.v % 4),
       c.error_class, c.service, c.score, c.action,
       CASE WHEN c.ix = 8 THEN '{internal,failure}'::text[]
            ELSE array[lower(c.service), lower(split_part(c.error_class, '_', 1)), c.logical_id] END,
       (SELECT jsonb_agg(jsonb_build_object(
                   'resourceType', c.res_type,
                   'statusReason', c.reason,
                   'logicalId', c.logical_id || CASE WHEN s > 1 THEN s::text ELSE '' END,
                   'timestamp', to_char(vp.run_started + (2 + vp.v % 20) * interval '1 minute',
                                        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY s)
          FROM generate_series(1, 1 + vp.v % 2) s),
       CASE WHEN vp.v IN (118, 119) THEN NULL ELSE c.playbook_id END,
       vp.run_started + (3 + vp.v % 20) * interval '1 minute',
       CASE WHEN vp.v % 9 = 0 OR vp.v > 118 THEN NULL
            ELSE jsonb_build_object('source', 'deploy-memory', 'region', 'eu-central-1',
                                    'stackName', 'Afu9' || c.logical_id) END,
       CASE WHEN vp.run_id IS NULL AND vp.v % 2 = 0 THEN 'PENDING'
            WHEN c.ix IN (2, 3) THEN 'BLOCKED'
            WHEN c.ix = 6 THEN 'WARNING'
            WHEN c.score < 60 THEN 'ESCALATED'
            WHEN c.action = 'WAIT_AND_RETRY' THEN 'DEFERRED'
            WHEN c.action = 'OPEN_ISSUE' THEN 'REJECTED'
            ELSE 'ESCALATED' END
  FROM vplan vp JOIN classes c USING (ix)
 ORDER BY vp.v;

-- Audit trail: 'created' for about a third of the verdicts, 'reviewed' for about a tenth (picked
-- by id hash), and two events logged without a verdict (verdict_id is nullable).
INSERT INTO verdict_audit_log (id, verdict_id, event_type, event_data, created_at, created_by)
SELECT md5('afu9/audit/' || v.id || '/' || e.kind)::uuid, v.id, e.kind,
       jsonb_build_object('verdict_type', v.verdict_type, 'confidence_score', v.confidence_score),
       v.created_at + e.lag, e.who
  FROM verdicts v
  JOIN (VALUES ('created', 3, interval '1 second', 'system'),
               ('reviewed', 10, interval '2 hours', 'user:ops-oncall')) e(kind, every, lag, who)
    ON (('x' || left(v.id::text, 8))::bit(32)::int & 1023) % e.every = 0
UNION ALL
SELECT md5('afu9/audit/orphan/' || i)::uuid, NULL, 'policy_reviewed',
       jsonb_build_object('note', 'quarterly review ' || i), c.base - i * interval '7 days', 'user:auditor'
  FROM generate_series(1, 2) i, clock c;

INSERT INTO verdict_outcomes (id, verdict_id, execution_id, outcome, outcome_reason, decided_by,
                              decided_at, metadata, created_at)
SELECT md5('afu9/outcome/' || v.id)::uuid, v.id, v.execution_id,
       (array['accepted', 'overridden', 'escalated', 'unknown'])[o.r % 4 + 1],
       CASE o.r % 4 WHEN 1 THEN 'operator retried manually' WHEN 2 THEN 'needs platform team' END,
       CASE WHEN o.r % 4 = 0 THEN 'system' ELSE 'human:ops-oncall' END,
       v.created_at + interval '30 minutes',
       CASE WHEN o.r % 2 = 0 THEN '{"channel": "control-center"}'::jsonb END,
       v.created_at + interval '30 minutes'
  FROM verdicts v,
       LATERAL (SELECT (('x' || left(v.id::text, 8))::bit(32)::int & 1023) AS r) o
 WHERE v.execution_id IS NOT NULL AND o.r % 3 = 0;

REFRESH MATERIALIZED VIEW mv_factory_kpis_24h;
ANALYZE workflows, policy_snapshots, workflow_executions, workflow_steps, kpi_snapshots, verdicts,
        verdict_audit_log, verdict_outcomes;
