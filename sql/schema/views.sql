-- Reading runs and verdicts with their policy, and the auditability KPIs.

-- executions_with_policy and verdicts_with_policy are the application's (application.sql).

CREATE OR REPLACE FUNCTION policy_kpis(since interval)
RETURNS TABLE (executions bigint,
               coverage_percentage numeric,
               verdicts bigint,
               linkage_percentage numeric,
               traceability_percentage numeric,
               modified_snapshots bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
-- Compiling the plan costs more than it saves here (about 120 ms on a million runs).
SET jit = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        -- Written for indexes, so that a window of a million runs is read from indexes, not tables:
        -- totals from the created_at indexes, the uncovered and unlinked from partial indexes of
        -- the few rows without a snapshot; modified snapshots only looked for when a stored
        -- document no longer hashes to its key.
        -- MATERIALIZED: inlined, each use of runs.total below would count the runs again.
        WITH runs AS MATERIALIZED (
            SELECT (SELECT count(*) FROM public.workflow_executions
                     WHERE created_at > now() - since) AS total,
                   (SELECT count(*) FROM public.workflow_executions
                     WHERE created_at > now() - since AND policy_snapshot_id IS NULL) AS uncovered
        ), judged AS (
            SELECT count(*) AS total,
                   count(v.policy_snapshot_id) AS linked,
                   count(*) FILTER (WHERE v.policy_snapshot_id = (SELECT e.policy_snapshot_id
                                                                    FROM public.workflow_executions e
                                                                   WHERE e.id = v.execution_id)) AS traced
              FROM public.verdicts v
             WHERE v.created_at > now() - since
        ), bad_documents AS MATERIALIZED (
            -- Stored documents that no longer hash to their key: none, unless tampered with.
            SELECT d.hash FROM afu9_policy.policy_documents d
             WHERE d.hash <> sha256(convert_to(d.body::text, 'UTF8'))
        ), modified AS (
            -- Snapshots naming such a document, in runs' rows (through their version) and in the
            -- snapshot store; counted only when there are any.
            SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM bad_documents) THEN 0 ELSE
                       (SELECT count(*) FROM public.workflow_executions e
                         WHERE e.created_at > now() - since
                           AND e.policy_version_id IN (SELECT v.id FROM afu9_policy.policy_versions v
                                                        WHERE v.document_hash IN (SELECT hash FROM bad_documents)))
                     + (SELECT count(*) FROM afu9_policy.policy_snapshot_records r
                          LEFT JOIN public.workflow_executions e ON e.policy_snapshot_id = r.id AND e.policy_version_id IS NOT NULL
                         WHERE r.created_at > now() - since AND r.document_hash IN (SELECT hash FROM bad_documents)
                           AND e.id IS NULL)
                   END AS total
        )
        SELECT runs.total,
               round((runs.total - runs.uncovered) * 100.0 / nullif(runs.total, 0), 2),
               judged.total,
               round(judged.linked * 100.0 / nullif(judged.total, 0), 2),
               round(judged.traced * 100.0 / nullif(judged.total, 0), 2),
               modified.total
          FROM runs, judged, modified;
END
$$;
COMMENT ON FUNCTION policy_kpis(interval) IS
    'Auditability KPIs over runs, verdicts and snapshots created within the interval: coverage (runs with a snapshot), linkage (verdicts with a snapshot), traceability (verdicts whose snapshot is their run''s), modified snapshots (stored policy no longer hashes to what was snapshotted). Percentages are NULL when there is nothing to measure.';

CREATE OR REPLACE VIEW policy_kpis AS
SELECT * FROM policy_kpis(interval '7 days');
COMMENT ON VIEW policy_kpis IS 'policy_kpis(interval) over the last 7 days: one row.';

CREATE OR REPLACE FUNCTION get_policy_snapshot_for_execution(execution_id uuid)
RETURNS afu9_policy.policy_snapshot
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    found afu9_policy.policy_snapshot;
BEGIN
    SELECT s.* INTO found
      FROM public.workflow_executions e
     CROSS JOIN LATERAL afu9_policy.policy_snapshot(e.policy_snapshot_id) s
     WHERE e.id = get_policy_snapshot_for_execution.execution_id;
    RETURN found;
END
$$;
COMMENT ON FUNCTION get_policy_snapshot_for_execution(uuid) IS
    'The policy snapshot of a run; NULL when the run is unknown or has no snapshot.';
