-- Verdicts for failed runs. Each points at its run's own snapshot; the database fills the
-- link in and refuses any other.

CREATE OR REPLACE FUNCTION link_verdict_to_snapshot() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    run_snapshot uuid;
BEGIN
    -- AFU-9's verdicts table allows it; a new verdict must say which run it judges.
    IF NEW.execution_id IS NULL THEN
        RAISE EXCEPTION 'a verdict must name its run: execution_id is NULL'
            USING ERRCODE = 'not_null_violation';
    END IF;
    SELECT policy_snapshot_id INTO run_snapshot
      FROM public.workflow_executions WHERE id = NEW.execution_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'verdict names run %, which does not exist', NEW.execution_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;

    IF run_snapshot IS NULL THEN
        IF NEW.policy_snapshot_id IS NOT NULL THEN
            RAISE EXCEPTION 'verdict names policy snapshot %, but its run % has no policy snapshot',
                            NEW.policy_snapshot_id, NEW.execution_id
                USING ERRCODE = 'check_violation';
        END IF;
        IF afu9_policy.snapshot_failure_mode() = 'warn' THEN
            RAISE WARNING 'verdict for run % stored without a policy snapshot: the run has none', NEW.execution_id;
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'cannot store a verdict for run %: the run has no policy snapshot', NEW.execution_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Set afu9_policy.on_snapshot_failure = warn to store unlinked verdicts.';
    END IF;

    IF NEW.policy_snapshot_id IS NULL THEN
        NEW.policy_snapshot_id := run_snapshot;
    ELSIF NEW.policy_snapshot_id <> run_snapshot THEN
        RAISE EXCEPTION 'verdict names policy snapshot %, but its run % has policy snapshot %',
                        NEW.policy_snapshot_id, NEW.execution_id, run_snapshot
            USING ERRCODE = 'check_violation',
                  HINT = 'Omit policy_snapshot_id to use the run''s snapshot.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION link_verdict_to_snapshot() IS
    'BEFORE INSERT trigger on verdicts: fills in the run''s policy snapshot, refuses a different one.';

-- The triggers are put on the application's table by _govern_application_tables() (application.sql).
