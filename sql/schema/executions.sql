-- Workflow runs. Every inserted run gets a snapshot of the active policy inside its own
-- INSERT, whatever the client and however it inserts (VALUES, INSERT ... SELECT, COPY).

-- take_policy_snapshot() is in Rust (src/snapshot.rs): it runs once per inserted run.
COMMENT ON FUNCTION take_policy_snapshot() IS
    'BEFORE INSERT trigger on workflow_executions: gives each new run its own snapshot of the active policy.';

-- The link to the snapshot is part of the audit trail: only the ON DELETE SET NULL of a
-- deleted snapshot may clear it; nothing may point a run at another snapshot.
CREATE OR REPLACE FUNCTION guard_execution_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    -- Allowed: no change; NULL left by a deleted snapshot; a run without one linked to a
    -- snapshot taken for it (the application's own snapshot-and-link).
    IF NEW.policy_snapshot_id IS DISTINCT FROM OLD.policy_snapshot_id
       AND (CASE WHEN NEW.policy_snapshot_id IS NULL
                 THEN EXISTS (SELECT 1 FROM afu9_policy.policy_snapshot_records WHERE id = OLD.policy_snapshot_id)
                 ELSE OLD.policy_snapshot_id IS NOT NULL
                      OR NOT EXISTS (SELECT 1 FROM afu9_policy.policy_snapshot_records
                                      WHERE id = NEW.policy_snapshot_id AND execution_id = OLD.id) END)
    THEN
        RAISE EXCEPTION 'cannot change the policy snapshot of run % from % to %',
                        OLD.id, coalesce(OLD.policy_snapshot_id::text, 'NULL'),
                        coalesce(NEW.policy_snapshot_id::text, 'NULL')
            USING ERRCODE = 'restrict_violation',
                  HINT = 'A run keeps the snapshot taken when it was inserted; a run without one may only be linked to a snapshot taken for it.';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION guard_execution_update() IS
    'BEFORE UPDATE trigger on workflow_executions: refuses to re-point a run at another snapshot and keeps updated_at.';

-- The triggers are put on the application's table by _govern_application_tables() (application.sql).
