-- A run (pgbench script 1). RETURNING reads the INSERT's own snapshot: load/versions.sql
-- checks the run's policy version against it.
BEGIN;
INSERT INTO workflow_executions (workflow_id, status, triggered_by) VALUES ('load-run', 'failed', 'pgbench')
RETURNING id AS run_id, pg_current_snapshot() AS seen \gset
INSERT INTO load_seen VALUES (':run_id', ':seen');
COMMIT;
