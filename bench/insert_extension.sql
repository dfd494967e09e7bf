-- (b) workflow_executions: the snapshot is taken inside the INSERT
INSERT INTO workflow_executions (workflow_id, status, triggered_by) VALUES ('bench', 'running', 'pgbench');
