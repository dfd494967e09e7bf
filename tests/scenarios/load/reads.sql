-- What dashboards read (pgbench script 3).
SELECT count(*) FROM policy_kpis;
SELECT count(*) FROM verdict_statistics;
SELECT count(*) FROM (SELECT * FROM executions_with_policy ORDER BY created_at DESC LIMIT 20) latest;
