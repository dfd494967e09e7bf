-- Policy analytics: which version produces the best results. Per version, and per experiment arm
-- with each arm compared to the experiment's control (its first arm) by two-proportion z-tests.
-- The verdicts counted are those linked to their run's snapshot.

-- The standard normal distribution function (Abramowitz and Stegun 7.1.26; error below 1.5e-7).
CREATE OR REPLACE FUNCTION _normal_cdf(z double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT CASE WHEN z < 0 THEN 1 - p ELSE p END
          FROM (SELECT 1 - 0.5 * pg_catalog.exp(-x * x)
                         * t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) AS p
                  FROM (SELECT pg_catalog.abs(z) / pg_catalog.sqrt(2.0::double precision) AS x,
                               1 / (1 + 0.3275911 * pg_catalog.abs(z) / pg_catalog.sqrt(2.0::double precision)) AS t) s) s);
COMMENT ON FUNCTION _normal_cdf(double precision) IS 'Internal: the standard normal distribution function, to 1.5e-7.';

CREATE OR REPLACE FUNCTION two_proportion_p_value(x1 bigint, n1 bigint, x2 bigint, n2 bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    SELECT CASE WHEN n1 > 0 AND n2 > 0 AND pooled > 0 AND pooled < 1
                THEN round((2 * (1 - afu9_policy._normal_cdf(abs(x1::double precision / n1 - x2::double precision / n2)
                                                          / sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2)))))::numeric, 4)::double precision
                WHEN n1 > 0 AND n2 > 0 THEN 1 END
      FROM (SELECT (x1 + x2)::double precision / nullif(n1 + n2, 0) AS pooled) s
$$;
COMMENT ON FUNCTION two_proportion_p_value(bigint, bigint, bigint, bigint) IS
    'Two-sided p-value (4 decimals) of a two-proportion z-test of x1 of n1 against x2 of n2 (pooled standard error); 1 when both proportions are 0 or 1, NULL when a group is empty.';

CREATE OR REPLACE FUNCTION wilson_interval(x bigint, n bigint) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    SELECT ARRAY[round(greatest(0, (p + z * z / (2 * n) - z * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n))) / (1 + z * z / n))::numeric, 4),
                 round(least(1, (p + z * z / (2 * n) + z * sqrt(p * (1 - p) / n + z * z / (4.0 * n * n))) / (1 + z * z / n))::numeric, 4)]
      FROM (SELECT x::double precision / nullif(n, 0) AS p, 1.959963984540054::double precision AS z) s
     WHERE n > 0
$$;
COMMENT ON FUNCTION wilson_interval(bigint, bigint) IS
    'The 95% Wilson score interval of the proportion x of n, as {low, high} (4 decimals); NULL when n is 0.';

-- Per version, or per experiment and version: runs, verdicts and their mix. The mixes are
-- grouped apart and joined by key (Citus pushes down no subquery in a target list).
CREATE OR REPLACE FUNCTION _policy_results(per_experiment boolean)
RETURNS TABLE (experiment text, arm integer, repository_id uuid, policy_version text, runs bigint, failed_runs bigint,
               verdicts bigint, unknown_verdicts bigint, escalations bigint, avg_confidence numeric,
               mean_time_to_insight interval, actions jsonb, classes jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH judged AS MATERIALIZED (
        -- Each run with a snapshot, once per verdict linked to it (once with NULLs if none).
        SELECT x.name AS experiment, r.arm, CASE WHEN per_experiment THEN x.repository_id ELSE pv.repository_id END AS repository_id,
               coalesce(pv.version, s.version)::text AS version, e.id AS run_id, e.status::text AS status,
               v.id AS verdict_id, v.error_class::text AS error_class, v.proposed_action::text AS proposed_action,
               v.proposed_action = 'HUMAN_REQUIRED' OR v.verdict_type = 'ESCALATED' AS escalated, v.confidence_score,
               v.created_at::timestamptz - coalesce(e.completed_at, e.started_at)::timestamptz AS delay
          FROM public.workflow_executions e
          LEFT JOIN afu9_policy.policy_versions pv ON pv.id = e.policy_version_id
          LEFT JOIN afu9_policy.policy_snapshot_records s ON s.id = e.policy_snapshot_id AND e.policy_version_id IS NULL
          LEFT JOIN afu9_policy.policy_experiment_arms r ON r.id = e.policy_experiment_arm_id AND per_experiment
          LEFT JOIN afu9_policy.policy_experiment_allocations a ON a.id = r.allocation_id
          LEFT JOIN afu9_policy.policy_experiments x ON x.id = a.experiment_id
          LEFT JOIN public.verdicts v ON v.execution_id = e.id AND v.policy_snapshot_id = e.policy_snapshot_id
         WHERE e.policy_snapshot_id IS NOT NULL AND (NOT per_experiment OR x.id IS NOT NULL)
    ), totals AS (
        SELECT j.experiment, min(j.arm) AS arm, j.repository_id, j.version,
               count(DISTINCT j.run_id) AS runs, count(DISTINCT j.run_id) FILTER (WHERE j.status = 'failed') AS failed_runs,
               count(j.verdict_id) AS verdicts, count(j.verdict_id) FILTER (WHERE j.error_class = 'UNKNOWN') AS unknown_verdicts,
               count(j.verdict_id) FILTER (WHERE j.escalated) AS escalations,
               round(avg(j.confidence_score), 2) AS avg_confidence, date_trunc('second', avg(j.delay)) AS mean_time_to_insight
          FROM judged j GROUP BY j.experiment, j.repository_id, j.version
    ), mix AS (
        SELECT m.experiment, m.repository_id, m.version,
               jsonb_object_agg(m.item, m.n ORDER BY m.item) FILTER (WHERE m.kind = 'action') AS actions,
               jsonb_object_agg(m.item, m.n ORDER BY m.item) FILTER (WHERE m.kind = 'class') AS classes
          FROM (SELECT j.experiment, j.repository_id, j.version, k.kind, k.item, count(*) AS n
                  FROM judged j CROSS JOIN LATERAL (VALUES ('action', j.proposed_action), ('class', j.error_class)) AS k(kind, item)
                 WHERE j.verdict_id IS NOT NULL
                 GROUP BY 1, 2, 3, 4, 5) m
         GROUP BY 1, 2, 3
    )
    SELECT t.experiment, t.arm, t.repository_id, t.version, t.runs, t.failed_runs, t.verdicts, t.unknown_verdicts,
           t.escalations, t.avg_confidence, t.mean_time_to_insight,
           coalesce(m.actions, '{}'::jsonb), coalesce(m.classes, '{}'::jsonb)
      FROM totals t
      LEFT JOIN mix m ON m.experiment IS NOT DISTINCT FROM t.experiment AND m.repository_id IS NOT DISTINCT FROM t.repository_id
                     AND m.version = t.version
     ORDER BY t.experiment, t.arm, t.repository_id NULLS FIRST, afu9_policy.policy_version_key(t.version);
END
$$;
COMMENT ON FUNCTION _policy_results(boolean) IS 'Internal: the rows of policy_version_results (false) and policy_experiment_results (true).';

CREATE OR REPLACE VIEW policy_version_results AS
SELECT repository_id, policy_version, runs, failed_runs,
       round(failed_runs::numeric / nullif(runs, 0), 4) AS failure_rate,
       verdicts, round(unknown_verdicts::numeric / nullif(verdicts, 0), 4) AS unknown_rate,
       escalations, round(escalations::numeric / nullif(verdicts, 0), 4) AS escalation_rate,
       avg_confidence, mean_time_to_insight, actions, classes
  FROM _policy_results(false);
COMMENT ON VIEW policy_version_results IS
    'Per snapshotted version (repository_id: the version''s scope, NULL for global versions and stored snapshots): runs, failed runs and failure rate; verdicts linked to their run''s snapshot, their UNKNOWN rate, escalations (HUMAN_REQUIRED or ESCALATED) and rate, mean confidence, mean time from a run''s end to its verdicts, verdicts per proposed action and per error class.';

CREATE OR REPLACE VIEW policy_experiment_results AS
WITH arms AS (
    SELECT r.*, first_value(r.arm) OVER w AS control_arm, first_value(r.runs) OVER w AS control_runs,
           first_value(r.failed_runs) OVER w AS control_failed_runs, first_value(r.verdicts) OVER w AS control_verdicts,
           first_value(r.unknown_verdicts) OVER w AS control_unknown_verdicts,
           first_value(r.escalations) OVER w AS control_escalations
      FROM _policy_results(true) r
    WINDOW w AS (PARTITION BY r.experiment ORDER BY r.arm)
), tested AS (
    SELECT arms.*,
           two_proportion_p_value(control_failed_runs, control_runs, failed_runs, runs) AS failure_rate_p_value,
           two_proportion_p_value(control_unknown_verdicts, control_verdicts, unknown_verdicts, verdicts) AS unknown_rate_p_value,
           two_proportion_p_value(control_escalations, control_verdicts, escalations, verdicts) AS escalation_rate_p_value,
           wilson_interval(failed_runs, runs) AS failure_interval, wilson_interval(unknown_verdicts, verdicts) AS unknown_interval
      FROM arms
)
SELECT experiment, arm, policy_version, control_arm = arm AS control, repository_id, runs, failed_runs,
       round(failed_runs::numeric / nullif(runs, 0), 4) AS failure_rate,
       failure_interval[1] AS failure_rate_low, failure_interval[2] AS failure_rate_high,
       verdicts, round(unknown_verdicts::numeric / nullif(verdicts, 0), 4) AS unknown_rate,
       unknown_interval[1] AS unknown_rate_low, unknown_interval[2] AS unknown_rate_high,
       escalations, round(escalations::numeric / nullif(verdicts, 0), 4) AS escalation_rate,
       avg_confidence, mean_time_to_insight, actions, classes,
       failure_rate_p_value, unknown_rate_p_value, escalation_rate_p_value,
       CASE WHEN control_arm <> arm THEN
           ARRAY(SELECT t.m FROM (VALUES (1, 'failure_rate', failure_rate_p_value), (2, 'unknown_rate', unknown_rate_p_value),
                                         (3, 'escalation_rate', escalation_rate_p_value)) AS t(n, m, p)
                  WHERE t.p < 0.05 ORDER BY t.n)
       END AS significant_differences
  FROM tested
 ORDER BY experiment, arm;
COMMENT ON VIEW policy_experiment_results IS
    'Per experiment and arm (its version): runs, failure rate with its 95% Wilson interval, verdicts, UNKNOWN and escalation rates (with intervals), mean confidence, mean time to insight, verdict mix; each arm against the control (the first arm) by two-sided two-proportion z-tests (p-values), and the rates that differ from the control''s at the 95% level (significant_differences; NULL for the control).';
