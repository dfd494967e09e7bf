-- The Factory Status response (AFU-9 API 1.1.0), as one jsonb document.

CREATE OR REPLACE FUNCTION iso8601(ts timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
COMMENT ON FUNCTION iso8601(timestamptz) IS 'A timestamp as JavaScript''s toISOString prints it (UTC, milliseconds).';

CREATE OR REPLACE FUNCTION factory_status(run_limit integer DEFAULT 10, error_limit integer DEFAULT 10,
                               kpi_period_hours integer DEFAULT 24)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    period interval;
    consistency integer;
    top_classes jsonb;
BEGIN
    IF run_limit IS NULL OR run_limit NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'run_limit must be between 1 and 100, got %', coalesce(run_limit::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF error_limit IS NULL OR error_limit NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'error_limit must be between 1 and 100, got %', coalesce(error_limit::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kpi_period_hours IS NULL OR kpi_period_hours NOT BETWEEN 1 AND 168 THEN
        RAISE EXCEPTION 'kpi_period_hours must be between 1 and 168, got %', coalesce(kpi_period_hours::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    period := make_interval(hours => kpi_period_hours);
    -- Computed apart: Citus cannot push a subquery inside the aggregate over verdicts down.
    consistency := (SELECT c.consistency_score FROM verdict_consistency(period) c);
    top_classes := (SELECT coalesce(jsonb_agg(jsonb_build_object('errorClass', error_class, 'count', n, 'avgConfidence', a)
                                              ORDER BY n DESC, error_class), '[]'::jsonb)
                      FROM (SELECT error_class, count(*) AS n, round(avg(confidence_score), 2) AS a
                              FROM public.verdicts WHERE created_at > now() - period
                             GROUP BY error_class ORDER BY n DESC, error_class LIMIT 5) t);

    RETURN jsonb_build_object(
        'api', jsonb_build_object('version', '1.1.0'),
        'timestamp', iso8601(now()),
        'runs', jsonb_build_object(
            'recent', (
                SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'id', e.id, 'workflowId', e.workflow_id, 'status', e.status,
                           'startedAt', iso8601(e.started_at), 'completedAt', iso8601(e.completed_at),
                           'durationMs', nullif(round(extract(epoch FROM e.completed_at - e.started_at) * 1000), 0),
                           'triggeredBy', e.triggered_by, 'error', e.error,
                           'policySnapshotId', e.policy_snapshot_id, 'policyVersion', coalesce(pv.version, r.version))
                       ORDER BY e.started_at DESC, e.id), '[]'::jsonb)
                  FROM (SELECT * FROM public.workflow_executions ORDER BY started_at DESC, id LIMIT run_limit) e
                  LEFT JOIN policy_versions pv ON pv.id = e.policy_version_id
                  LEFT JOIN policy_snapshot_records r ON r.id = e.policy_snapshot_id AND e.policy_version_id IS NULL),
            'total', (SELECT count(*) FROM public.workflow_executions)),
        'errors', jsonb_build_object(
            'recent', (
                SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'executionId', e.id, 'workflowId', e.workflow_id, 'error', e.error,
                           'timestamp', iso8601(coalesce(e.completed_at, e.started_at)), 'status', e.status)
                       ORDER BY e.completed_at DESC NULLS LAST, e.id), '[]'::jsonb)
                  FROM (SELECT * FROM public.workflow_executions
                         WHERE status = 'failed' AND error IS NOT NULL
                         ORDER BY completed_at DESC NULLS LAST, id LIMIT error_limit) e),
            'total', (SELECT count(*) FROM public.workflow_executions WHERE status = 'failed' AND error IS NOT NULL)),
        'kpis', (
            SELECT jsonb_build_object(
                       'totalExecutions', count(*),
                       'completedExecutions', count(*) FILTER (WHERE status = 'completed'),
                       'failedExecutions', count(*) FILTER (WHERE status = 'failed'),
                       'runningExecutions', count(*) FILTER (WHERE status = 'running'),
                       'successRate', coalesce(round(count(*) FILTER (WHERE status = 'completed') * 100.0
                                                     / nullif(count(*) FILTER (WHERE status IN ('completed', 'failed')), 0), 2), 0),
                       'avgExecutionDurationMs', round(avg(extract(epoch FROM completed_at - started_at) * 1000)
                                                       FILTER (WHERE status = 'completed')),
                       'meanTimeToInsightMs', round(avg(extract(epoch FROM completed_at - started_at) * 1000)
                                                    FILTER (WHERE status IN ('completed', 'failed'))))
              FROM public.workflow_executions WHERE started_at > now() - period),
        'verdicts', jsonb_build_object(
            'enabled', true,
            'summary', (
                SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'id', v.id, 'executionId', v.execution_id, 'errorClass', v.error_class,
                           'service', v.service, 'confidenceScore', v.confidence_score,
                           'proposedAction', v.proposed_action, 'fingerprintId', v.fingerprint_id,
                           'policyVersion', coalesce(pv.version, r.version), 'createdAt', iso8601(v.created_at))
                       ORDER BY v.created_at DESC, v.id), '[]'::jsonb)
                  FROM (SELECT * FROM public.verdicts ORDER BY created_at DESC, id LIMIT run_limit) v
                  LEFT JOIN public.workflow_executions e ON e.id = v.execution_id AND e.policy_snapshot_id = v.policy_snapshot_id
                  LEFT JOIN policy_versions pv ON pv.id = e.policy_version_id
                  LEFT JOIN policy_snapshot_records r ON r.id = v.policy_snapshot_id AND pv.id IS NULL),
            'kpis', (
                SELECT jsonb_build_object(
                           'totalVerdicts', count(*),
                           'avgConfidence', round(avg(confidence_score), 2),
                           'consistencyScore', consistency,
                           'byAction', jsonb_build_object(
                               'waitAndRetry', count(*) FILTER (WHERE proposed_action = 'WAIT_AND_RETRY'),
                               'openIssue', count(*) FILTER (WHERE proposed_action = 'OPEN_ISSUE'),
                               'humanRequired', count(*) FILTER (WHERE proposed_action = 'HUMAN_REQUIRED')),
                           'topErrorClasses', top_classes)
                  FROM public.verdicts WHERE created_at > now() - period)));
END
$$;
COMMENT ON FUNCTION factory_status(integer, integer, integer) IS
    'The AFU-9 Factory Status response (API 1.1.0): recent runs with their policy version, recent errors, run KPIs and verdict KPIs over the period (hours). Limits 1..100 and period 1..168, else 22023.';
