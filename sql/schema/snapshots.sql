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

CREATE OR REPLACE VIEW public.policy_snapshots AS
SELECT r.id,
       r.version,
       d.body AS policies,
       r.created_at,
       coalesce(r.metadata, snapshot_metadata(r.execution_id, r.created_by, r.created_at)) AS metadata,
       r.document_hash AS policy_hash
  FROM policy_snapshot_records r
  LEFT JOIN policy_documents d ON d.hash = r.document_hash;
COMMENT ON VIEW public.policy_snapshots IS
    'Immutable policy snapshots, one per run, each with the complete policy that applied. UPDATE is rejected (SQLSTATE 23001); INSERT stores a snapshot (a migration) with its document stored once; DELETE fails while a verdict references the snapshot.';
COMMENT ON COLUMN public.policy_snapshots.id IS 'Snapshot id.';
COMMENT ON COLUMN public.policy_snapshots.version IS 'Policy version (vMAJOR.MINOR.PATCH).';
COMMENT ON COLUMN public.policy_snapshots.policies IS 'The complete policy that applied: every rule, pattern and playbook.';
COMMENT ON COLUMN public.policy_snapshots.created_at IS 'When the snapshot was taken.';
COMMENT ON COLUMN public.policy_snapshots.metadata IS 'Creation context: execution_id, created_by, created_at (or the metadata given on a direct insert).';
COMMENT ON COLUMN public.policy_snapshots.policy_hash IS 'SHA-256 of the policy document as it was snapshotted.';

-- Rules, not INSTEAD OF triggers: with session_replication_role = replica a view trigger
-- is skipped silently (the statement "succeeds" doing nothing), a skipped rule leaves the
-- view not updatable, so PostgreSQL refuses the statement.
CREATE OR REPLACE RULE policy_snapshots_insert AS ON INSERT TO public.policy_snapshots DO INSTEAD
    INSERT INTO policy_snapshot_records (id, version, document_hash, created_at, metadata)
    VALUES (coalesce(NEW.id, gen_random_uuid()), NEW.version, store_policy_document(NEW.policies),
            coalesce(NEW.created_at, now()), NEW.metadata)
    RETURNING id, version, policy_document(document_hash), created_at,
              coalesce(metadata, snapshot_metadata(execution_id, created_by, created_at)), document_hash;
CREATE OR REPLACE RULE policy_snapshots_update AS ON UPDATE TO public.policy_snapshots DO INSTEAD
    SELECT raise_immutable('UPDATE', 'policy_snapshots', 'policy snapshots');
-- The guard on policy_snapshot_records and the foreign keys decide.
CREATE OR REPLACE RULE policy_snapshots_delete AS ON DELETE TO public.policy_snapshots DO INSTEAD
    DELETE FROM policy_snapshot_records WHERE id = OLD.id
    RETURNING id, version, policy_document(document_hash), created_at,
              coalesce(metadata, snapshot_metadata(execution_id, created_by, created_at)), document_hash;

CREATE OR REPLACE TRIGGER policy_snapshot_records_reject_update BEFORE UPDATE ON policy_snapshot_records
    FOR EACH ROW EXECUTE FUNCTION reject_change('policy snapshots');
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
