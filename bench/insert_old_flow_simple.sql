-- (c) the old application flow: run, snapshot with the full policy, link; one transaction
-- (simple protocol: the ids are written into the text, quoted)
BEGIN;
INSERT INTO old_runs (workflow_id, status, triggered_by) VALUES ('bench', 'running', 'pgbench') RETURNING id AS run_id \gset
INSERT INTO old_snapshots (version, policies, metadata)
SELECT 'v1.0.0', body, jsonb_build_object('executionId', ':run_id') FROM policy_documents LIMIT 1
RETURNING id AS snapshot_id \gset
UPDATE old_runs SET policy_snapshot_id = ':snapshot_id' WHERE id = ':run_id';
COMMIT;
