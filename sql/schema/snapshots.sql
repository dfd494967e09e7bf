-- One snapshot per run. The stored row is small (it names its policy document by hash);
-- the policy_snapshots view reads it back with the full policy.

-- Creation context of a snapshot taken by the trigger.
CREATE OR REPLACE FUNCTION snapshot_metadata(execution_id uuid, created_by text, created_at timestamptz) RETURNS jsonb
LANGUAGE sql STABLE
RETURN pg_catalog.jsonb_build_object('execution_id', execution_id,
                                         'created_by', created_by,
                                         'created_at', created_at);
COMMENT ON FUNCTION snapshot_metadata(uuid, text, timestamptz) IS
    'The metadata of a snapshot taken by the trigger: execution_id, created_by, created_at.';

-- Every snapshot with its complete policy: what the application's public.policy_snapshots
-- (a view over this one on a fresh database) and the extension's own code read.
CREATE OR REPLACE VIEW policy_snapshots AS
SELECT r.id,
       r.version,
       d.body AS policies,
       r.created_at,
       coalesce(r.metadata, snapshot_metadata(r.execution_id, r.created_by, r.created_at)) AS metadata,
       r.document_hash AS policy_hash
  FROM policy_snapshot_records r
  LEFT JOIN policy_documents d ON d.hash = r.document_hash;
COMMENT ON VIEW policy_snapshots IS
    'Every policy snapshot (taken for a run, inserted directly, or adopted from AFU-9), each with the complete policy that applied.';
COMMENT ON COLUMN policy_snapshots.id IS 'Snapshot id.';
COMMENT ON COLUMN policy_snapshots.version IS 'Policy version (vMAJOR.MINOR.PATCH).';
COMMENT ON COLUMN policy_snapshots.policies IS 'The complete policy that applied: every rule, pattern and playbook.';
COMMENT ON COLUMN policy_snapshots.created_at IS 'When the snapshot was taken.';
COMMENT ON COLUMN policy_snapshots.metadata IS 'Creation context: execution_id, created_by, created_at (or the metadata given on a direct insert).';
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
    IF current_setting('session_replication_role') = 'replica' THEN
        SELECT id INTO holder FROM public.workflow_executions WHERE policy_snapshot_id = OLD.id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'cannot delete policy snapshot %: run % references it', OLD.id, holder
                USING ERRCODE = 'foreign_key_violation',
                      DETAIL = 'With session_replication_role = replica the run''s link would not be cleared.';
        END IF;
    END IF;
    RETURN OLD;
END
$$;
COMMENT ON FUNCTION guard_snapshot_delete() IS
    'BEFORE DELETE trigger on policy_snapshot_records: refuses to delete a snapshot a verdict references, also when foreign keys are skipped.';

CREATE OR REPLACE TRIGGER policy_snapshot_records_guard_delete BEFORE DELETE ON policy_snapshot_records
    FOR EACH ROW EXECUTE FUNCTION guard_snapshot_delete();
ALTER TABLE policy_snapshot_records ENABLE ALWAYS TRIGGER policy_snapshot_records_guard_delete;
