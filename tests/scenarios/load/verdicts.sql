-- A run and its verdict, in one transaction (pgbench script 2).
BEGIN;
INSERT INTO workflow_executions (workflow_id, status, triggered_by) VALUES ('load-verdict', 'failed', 'pgbench')
RETURNING id AS run_id, pg_current_snapshot() AS seen \gset
INSERT INTO load_seen VALUES (':run_id', ':seen');
SELECT error_class FROM generate_verdict(':run_id', '[{"resourceType": "R", "statusReason": "Throttling: Rate exceeded"}]');
COMMIT;
