-- Runs whose snapshot is not of the version active when their INSERT began: the newest global
-- activation visible in the INSERT's own snapshot (recorded in load_seen). Exact, unlike commit
-- timestamps, which are taken before a commit becomes visible. (xid to xid8: epoch 0 in a new cluster.)
SELECT count(*)
  FROM load_seen l
  JOIN workflow_executions e ON e.id = l.run_id
  JOIN afu9_policy.policy_snapshots s ON s.id = e.policy_snapshot_id
 WHERE s.version IS DISTINCT FROM (
       SELECT v.version
         FROM policy_activations a JOIN policy_versions v ON v.id = a.policy_version_id
        WHERE a.repository_id IS NULL AND pg_visible_in_snapshot(a.xmin::text::xid8, l.seen)
        ORDER BY a.id DESC LIMIT 1);
