-- (c) the old application flow, with the prepared protocol: the run's and snapshot's ids are
-- passed on as parameters (the simple protocol's script writes them into the text instead)
BEGIN;
INSERT INTO old_runs (workflow_id, status, triggered_by) VALUES ('bench', 'running', 'pgbench') RETURNING id AS run_id \gset
INSERT INTO old_snapshots (version, policies, metadata)
SELECT 'v1.0.0', body, jsonb_build_object('executionId', :run_id::text) FROM policy_documents LIMIT 1
RETURNING id AS snapshot_id \gset
UPDATE old_runs SET policy_snapshot_id = :snapshot_id::uuid WHERE id = :run_id::uuid;
COMMIT;
