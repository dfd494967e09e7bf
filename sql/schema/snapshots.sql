-- A run's snapshot is in its own row (the version, which names its document by hash, when and
-- by whom); snapshots inserted directly or adopted are small rows of the snapshot store. The
-- policy_snapshots view reads both back with the full policy.

-- Creation context of a snapshot taken by the trigger.
CREATE OR REPLACE FUNCTION snapshot_metadata(execution_id uuid, created_by text, created_at timestamptz) RETURNS jsonb
LANGUAGE sql STABLE
RETURN pg_catalog.jsonb_build_object('execution_id', execution_id,
                                         'created_by', created_by,
                                         'created_at', created_at);
COMMENT ON FUNCTION snapshot_metadata(uuid, text, timestamptz) IS
    'The metadata of a snapshot taken by the trigger: execution_id, created_by, created_at.';

-- Every snapshot with its complete policy: those in runs' rows (the trigger's), then those
-- stored apart (inserted directly, adopted from AFU-9, or from before 0.3.0). Functions, not
-- views: the extension may not depend on the application's tables. plpgsql, not SQL: Citus
-- plans neither inlined SQL functions nor SQL functions passing parameters over distributed
-- tables; a query in plpgsql is planned like any other. One snapshot is looked up by id.
-- The query of every snapshot, once: the function below runs it, and a fresh database's
-- public.policy_snapshots view is made of it (a view the planner can see through, so that a
-- condition on id reaches both parts' indexes).
CREATE OR REPLACE FUNCTION _policy_snapshots_query() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN $q$
    SELECT e.policy_snapshot_id AS id, v.version::pg_catalog.text AS version, d.body AS policies,
           e.policy_snapshot_taken_at AS created_at,
           afu9_policy.snapshot_metadata(e.id, e.policy_snapshot_taken_by, e.policy_snapshot_taken_at)
               OPERATOR(pg_catalog.||) afu9_policy.policy_experiment_metadata(x.name, r.arm, r.allocation_id) AS metadata,
           v.document_hash AS policy_hash
      FROM public.workflow_executions e
      JOIN afu9_policy.policy_versions v ON v.id OPERATOR(pg_catalog.=) e.policy_version_id
      LEFT JOIN afu9_policy.policy_documents d ON d.hash OPERATOR(pg_catalog.=) v.document_hash
      LEFT JOIN afu9_policy.policy_experiment_arms r ON r.id OPERATOR(pg_catalog.=) e.policy_experiment_arm_id
      LEFT JOIN afu9_policy.policy_experiment_allocations a ON a.id OPERATOR(pg_catalog.=) r.allocation_id
      LEFT JOIN afu9_policy.policy_experiments x ON x.id OPERATOR(pg_catalog.=) a.experiment_id
     WHERE e.policy_snapshot_id IS NOT NULL
    UNION ALL
    SELECT r.id, r.version::pg_catalog.text, d.body, r.created_at,
           coalesce(r.metadata, afu9_policy.snapshot_metadata(r.execution_id, r.created_by, r.created_at)),
           r.document_hash
      FROM afu9_policy.policy_snapshot_records r
      LEFT JOIN afu9_policy.policy_documents d ON d.hash OPERATOR(pg_catalog.=) r.document_hash
      -- The copy an application's own INSERT of the same policy leaves of a run's snapshot.
      LEFT JOIN public.workflow_executions e
             ON e.policy_snapshot_id OPERATOR(pg_catalog.=) r.id AND e.policy_version_id IS NOT NULL
     WHERE e.id IS NULL
$q$;
COMMENT ON FUNCTION _policy_snapshots_query() IS 'Internal: the query of every snapshot, from runs'' rows and the snapshot store, every name qualified.';

CREATE OR REPLACE FUNCTION _policy_snapshots() RETURNS SETOF afu9_policy.policy_snapshot
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    RETURN QUERY EXECUTE afu9_policy._policy_snapshots_query();
END
$$;
COMMENT ON FUNCTION _policy_snapshots() IS
    'Internal: every snapshot, from runs'' rows and from the snapshot store, as the policy_snapshots view shows them.';

CREATE OR REPLACE FUNCTION policy_snapshot(snapshot_id uuid) RETURNS SETOF afu9_policy.policy_snapshot
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    RETURN QUERY
    SELECT e.policy_snapshot_id, v.version::text, d.body, e.policy_snapshot_taken_at,
           snapshot_metadata(e.id, e.policy_snapshot_taken_by, e.policy_snapshot_taken_at)
               || policy_experiment_metadata(x.name, r.arm, r.allocation_id), v.document_hash
      FROM public.workflow_executions e
      JOIN policy_versions v ON v.id = e.policy_version_id
      LEFT JOIN policy_documents d ON d.hash = v.document_hash
      LEFT JOIN policy_experiment_arms r ON r.id = e.policy_experiment_arm_id
      LEFT JOIN policy_experiment_allocations a ON a.id = r.allocation_id
      LEFT JOIN policy_experiments x ON x.id = a.experiment_id
     WHERE e.policy_snapshot_id = policy_snapshot.snapshot_id;
    IF NOT FOUND THEN
        RETURN QUERY
        SELECT r.id, r.version::text, d.body, r.created_at,
               coalesce(r.metadata, snapshot_metadata(r.execution_id, r.created_by, r.created_at)), r.document_hash
          FROM policy_snapshot_records r
          LEFT JOIN policy_documents d ON d.hash = r.document_hash
         WHERE r.id = policy_snapshot.snapshot_id;
    END IF;
END
$$;
COMMENT ON FUNCTION policy_snapshot(uuid) IS 'The snapshot with that id, from a run''s row or the snapshot store; no row when there is none.';

CREATE OR REPLACE VIEW policy_snapshots AS
SELECT * FROM _policy_snapshots();
COMMENT ON VIEW policy_snapshots IS
    'Every policy snapshot (taken for a run, in its row; inserted directly, or adopted from AFU-9, in the snapshot store), each with the complete policy that applied.';
COMMENT ON COLUMN policy_snapshots.id IS 'Snapshot id.';
COMMENT ON COLUMN policy_snapshots.version IS 'Policy version (vMAJOR.MINOR.PATCH).';
COMMENT ON COLUMN policy_snapshots.policies IS 'The complete policy that applied: every rule, pattern and playbook.';
COMMENT ON COLUMN policy_snapshots.created_at IS 'When the snapshot was taken.';
COMMENT ON COLUMN policy_snapshots.metadata IS 'Creation context: execution_id, created_by, created_at, and experiment, experiment_arm, experiment_allocation_id when an experiment chose the version (or the metadata given on a direct insert).';
COMMENT ON COLUMN policy_snapshots.policy_hash IS 'SHA-256 of the policy document as it was snapshotted.';

-- An update that changes nothing passes: public.policy_snapshots' INSERT rule returns a run's
-- own snapshot that way.
CREATE OR REPLACE TRIGGER policy_snapshot_records_reject_update BEFORE UPDATE ON policy_snapshot_records
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION reject_change('policy snapshots');
CREATE OR REPLACE TRIGGER policy_snapshot_records_reject_truncate BEFORE TRUNCATE ON policy_snapshot_records
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change('policy snapshots');
ALTER TABLE policy_snapshot_records ENABLE ALWAYS TRIGGER policy_snapshot_records_reject_update;
ALTER TABLE policy_snapshot_records ENABLE ALWAYS TRIGGER policy_snapshot_records_reject_truncate;

-- The foreign keys already refuse to delete a snapshot a verdict references, but
-- session_replication_role = replica skips foreign keys; this guard is ENABLE ALWAYS.
CREATE OR REPLACE FUNCTION guard_snapshot_delete() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    holder uuid;
BEGIN
    SELECT id INTO holder FROM public.verdicts WHERE policy_snapshot_id = OLD.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot delete policy snapshot %: verdict % references it', OLD.id, holder
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- A run's link to a stored snapshot has no foreign key (the trigger's snapshots are in the
    -- runs' rows): this guard keeps it.
    SELECT id INTO holder FROM public.workflow_executions WHERE policy_snapshot_id = OLD.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot delete policy snapshot %: run % references it', OLD.id, holder
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END
$$;
COMMENT ON FUNCTION guard_snapshot_delete() IS
    'BEFORE DELETE trigger on policy_snapshot_records: refuses to delete a snapshot a run or verdict references, also when foreign keys are skipped.';

CREATE OR REPLACE TRIGGER policy_snapshot_records_guard_delete BEFORE DELETE ON policy_snapshot_records
    FOR EACH ROW EXECUTE FUNCTION guard_snapshot_delete();
ALTER TABLE policy_snapshot_records ENABLE ALWAYS TRIGGER policy_snapshot_records_guard_delete;
