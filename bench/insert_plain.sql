-- (a) a plain table with the same columns and indexes, no extension
INSERT INTO plain_runs (workflow_id, status, triggered_by) VALUES ('bench', 'running', 'pgbench');
