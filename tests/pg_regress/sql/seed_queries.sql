-- The SQL of the design document (shared/seed), verbatim, on a known data set.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS afu9_policy CASCADE;
-- The runs and verdicts are the application's: they outlive the extension.
DROP TABLE IF EXISTS verdicts, workflow_executions CASCADE;
CREATE EXTENSION afu9_policy;
RESET client_min_messages;

-- Data: three snapshots migrated with fixed times, three runs on them (two failed), and one
-- run snapshotted by the trigger; verdicts on the failed runs.
INSERT INTO policy_snapshots (id, version, policies, created_at) VALUES
    ('00000000-0000-4000-8000-0000000000b1', 'v1.0.0', active_policy(), '2025-01-15 09:50:00+00'),
    ('00000000-0000-4000-8000-0000000000b2', 'v1.0.0', active_policy(), '2025-01-15 09:40:00+00'),
    ('00000000-0000-4000-8000-0000000000b3', 'v1.0.0', active_policy(), '2025-01-15 09:30:00+00');
INSERT INTO workflow_executions (id, workflow_id, status, started_at, completed_at, error, policy_snapshot_id) VALUES
    ('00000000-0000-4000-8000-0000000000e1', 'wf-456', 'completed', '2025-01-15 09:50:00+00', '2025-01-15 09:55:00+00', NULL, '00000000-0000-4000-8000-0000000000b1'),
    ('00000000-0000-4000-8000-0000000000e2', 'wf-456', 'failed', '2025-01-15 09:40:00+00', '2025-01-15 09:41:00+00', 'Stack is in ROLLBACK_IN_PROGRESS', '00000000-0000-4000-8000-0000000000b2'),
    ('00000000-0000-4000-8000-0000000000e3', 'wf-789', 'failed', '2025-01-15 09:30:00+00', '2025-01-15 09:31:00+00', 'secret not found', '00000000-0000-4000-8000-0000000000b3');
INSERT INTO workflow_executions (id, workflow_id, status, started_at) VALUES
    ('00000000-0000-4000-8000-0000000000e4', 'wf-456', 'running', '2025-01-15 10:00:00+00');
INSERT INTO verdicts (id, execution_id, fingerprint_id, error_class, service, confidence_score, proposed_action, created_at) VALUES
    ('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-0000000000e2', 'fp2', 'CFN_ROLLBACK_LOCK', 'CloudFormation', 95, 'OPEN_ISSUE', now() - interval '1 minute'),
    ('00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-0000000000e3', 'fp3', 'MISSING_SECRET', 'SecretsManager', 85, 'OPEN_ISSUE', now() - interval '2 minutes');

-- "Get Executions with Policy Information"
-- Use the executions_with_policy view
SELECT 
  id,
  status,
  policy_version,
  started_at
FROM executions_with_policy
WHERE status = 'failed'
ORDER BY started_at DESC
LIMIT 10;

-- "Audit Trail Query" ($1 bound with PREPARE)
PREPARE audit_trail(uuid) AS
-- Complete audit trail: execution → policy → verdicts
SELECT 
  e.id as execution_id,
  e.status as execution_status,
  e.started_at,
  ps.version as policy_version,
  v.error_class,
  v.confidence_score,
  v.proposed_action
FROM workflow_executions e
LEFT JOIN policy_snapshots ps ON e.policy_snapshot_id = ps.id
LEFT JOIN verdicts v ON v.execution_id = e.id AND v.policy_snapshot_id = ps.id
WHERE e.id = $1;
EXECUTE audit_trail('00000000-0000-4000-8000-0000000000e2');
EXECUTE audit_trail('00000000-0000-4000-8000-0000000000e1');

-- "Compliance Queries"
-- Get all verdicts with their policy versions
SELECT 
  v.id,
  v.execution_id,
  v.error_class,
  v.confidence_score,
  ps.version as policy_version,
  ps.created_at as policy_created_at
FROM verdicts v
JOIN policy_snapshots ps ON v.policy_snapshot_id = ps.id
ORDER BY v.created_at DESC;

-- Check for verdicts without policy snapshots (should be zero)
SELECT COUNT(*) as missing_policies
FROM verdicts v
WHERE v.policy_snapshot_id IS NULL;

-- "KPI: Auditability / Monitoring"
-- KPI: Policy Coverage
SELECT 
  COUNT(*) FILTER (WHERE policy_snapshot_id IS NOT NULL) * 100.0 / COUNT(*) as coverage_percentage
FROM workflow_executions
WHERE created_at > NOW() - INTERVAL '7 days';

-- KPI: Verdict Linkage
SELECT 
  COUNT(*) FILTER (WHERE policy_snapshot_id IS NOT NULL) * 100.0 / COUNT(*) as linkage_percentage
FROM verdicts
WHERE created_at > NOW() - INTERVAL '7 days';

-- "Verification Steps"
-- 2. Check index exists
\di idx_executions_policy_snapshot_id

-- 3. Check view exists
\dv executions_with_policy

-- 4. Test query (its row holds generated ids and times: show that it returns one)
\o /dev/null
SELECT * FROM executions_with_policy LIMIT 1;
\o
\echo rows: :ROW_COUNT

-- The TypeScript usage, in SQL: snapshot.version and the number of classification rules.
SELECT version, jsonb_array_length(policies->'classification_rules') AS classification_rules
  FROM get_policy_snapshot_for_execution('00000000-0000-4000-8000-0000000000e2');
