-- Workflow runs. Every inserted run gets a snapshot of the active policy inside its own
-- INSERT, whatever the client and however it inserts (VALUES, INSERT ... SELECT, COPY).

-- take_policy_snapshot() is in Rust (src/snapshot.rs): it runs once per inserted run.
COMMENT ON FUNCTION take_policy_snapshot() IS
    'BEFORE INSERT trigger on workflow_executions: gives each new run its own snapshot of the active policy.';

-- The run's snapshot is part of the audit trail: nothing may change it or point the run at
-- another snapshot (a stored snapshot's deletion is refused while a run names it).
CREATE OR REPLACE FUNCTION guard_execution_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    -- Allowed: no change; a run without a snapshot linked to one stored for it (the
    -- application's own snapshot-and-link).
    IF NEW.policy_snapshot_id IS DISTINCT FROM OLD.policy_snapshot_id
       AND (NEW.policy_snapshot_id IS NULL OR OLD.policy_snapshot_id IS NOT NULL
            OR NOT EXISTS (SELECT 1 FROM afu9_policy.policy_snapshot_records
                            WHERE id = NEW.policy_snapshot_id AND execution_id = OLD.id))
    THEN
        RAISE EXCEPTION 'cannot change the policy snapshot of run % from % to %',
                        OLD.id, coalesce(OLD.policy_snapshot_id::text, 'NULL'),
                        coalesce(NEW.policy_snapshot_id::text, 'NULL')
            USING ERRCODE = 'restrict_violation',
                  HINT = 'A run keeps the snapshot taken when it was inserted; a run without one may only be linked to a snapshot taken for it.';
    END IF;
    -- The snapshot in the run's row is never changed.
    IF (NEW.policy_version_id, NEW.policy_snapshot_taken_at, NEW.policy_snapshot_taken_by, NEW.policy_experiment_arm_id)
       IS DISTINCT FROM (OLD.policy_version_id, OLD.policy_snapshot_taken_at, OLD.policy_snapshot_taken_by, OLD.policy_experiment_arm_id) THEN
        RAISE EXCEPTION 'cannot change the policy snapshot of run %: its version, time, role and experiment arm are part of it', OLD.id
            USING ERRCODE = 'restrict_violation',
                  HINT = 'A run keeps the snapshot taken when it was inserted.';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION guard_execution_update() IS
    'BEFORE UPDATE trigger on workflow_executions: refuses to re-point a run at another snapshot and keeps updated_at.';

-- The triggers are put on the application's table by _govern_application_tables() (application.sql).
