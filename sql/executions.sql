-- Workflow runs. Every inserted run gets a snapshot of the active policy inside its own
-- INSERT, whatever the client and however it inserts (VALUES, INSERT ... SELECT, COPY).

CREATE TABLE workflow_executions (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id        text,
    status             text NOT NULL DEFAULT 'pending'
                       CONSTRAINT workflow_executions_status_check
                       CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    input              jsonb,
    output             jsonb,
    context            jsonb,
    started_at         timestamptz NOT NULL DEFAULT now(),
    completed_at       timestamptz,
    error              text,
    triggered_by       text,
    github_run_id      text,
    repository_id      uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    policy_snapshot_id uuid REFERENCES policy_snapshot_records (id) ON DELETE SET NULL
);
COMMENT ON TABLE workflow_executions IS
    'AFU-9 workflow runs. Each inserted run is given its own snapshot of the active policy by the take_policy_snapshot trigger, in the same statement.';
COMMENT ON COLUMN workflow_executions.id IS 'Run id.';
COMMENT ON COLUMN workflow_executions.workflow_id IS 'The workflow this run executes.';
COMMENT ON COLUMN workflow_executions.status IS 'pending, running, completed, failed or cancelled.';
COMMENT ON COLUMN workflow_executions.input IS 'Input of the run.';
COMMENT ON COLUMN workflow_executions.output IS 'Output of the run.';
COMMENT ON COLUMN workflow_executions.context IS 'Execution context.';
COMMENT ON COLUMN workflow_executions.started_at IS 'When the run started.';
COMMENT ON COLUMN workflow_executions.completed_at IS 'When the run completed or failed.';
COMMENT ON COLUMN workflow_executions.error IS 'Error message of a failed run.';
COMMENT ON COLUMN workflow_executions.triggered_by IS 'Who or what started the run.';
COMMENT ON COLUMN workflow_executions.github_run_id IS 'GitHub Actions run id, when there is one.';
COMMENT ON COLUMN workflow_executions.repository_id IS 'Repository the run belongs to.';
COMMENT ON COLUMN workflow_executions.created_at IS 'When the row was inserted.';
COMMENT ON COLUMN workflow_executions.updated_at IS 'When the row was last updated (kept by a trigger).';
COMMENT ON COLUMN workflow_executions.policy_snapshot_id IS
    'The policy snapshot taken for this run at insert; set by the database, never changed afterwards (NULL only if the snapshot was deleted or could not be taken in warn mode).';

-- Unique: one snapshot belongs to one run.
CREATE UNIQUE INDEX idx_executions_policy_snapshot_id ON workflow_executions (policy_snapshot_id);
CREATE INDEX idx_executions_created_at ON workflow_executions (created_at);
-- Runs without a snapshot are few (warn mode, deleted snapshots): policy_kpis counts them here.
CREATE INDEX idx_executions_without_snapshot ON workflow_executions (created_at) WHERE policy_snapshot_id IS NULL;

-- take_policy_snapshot() is in Rust (src/snapshot.rs): it runs once per inserted run.
COMMENT ON FUNCTION take_policy_snapshot() IS
    'BEFORE INSERT trigger on workflow_executions: gives each new run its own snapshot of the active policy.';

-- The link to the snapshot is part of the audit trail: only the ON DELETE SET NULL of a
-- deleted snapshot may clear it; nothing may point a run at another snapshot.
CREATE FUNCTION guard_execution_update() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
BEGIN
    IF NEW.policy_snapshot_id IS DISTINCT FROM OLD.policy_snapshot_id
       AND (NEW.policy_snapshot_id IS NOT NULL
            OR EXISTS (SELECT 1 FROM @extschema@.policy_snapshot_records WHERE id = OLD.policy_snapshot_id))
    THEN
        RAISE EXCEPTION 'cannot change the policy snapshot of run % from % to %',
                        OLD.id, coalesce(OLD.policy_snapshot_id::text, 'NULL'),
                        coalesce(NEW.policy_snapshot_id::text, 'NULL')
            USING ERRCODE = 'restrict_violation',
                  HINT = 'A run keeps the snapshot taken when it was inserted.';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION guard_execution_update() IS
    'BEFORE UPDATE trigger on workflow_executions: refuses to re-point a run at another snapshot and keeps updated_at.';

CREATE TRIGGER take_policy_snapshot BEFORE INSERT ON workflow_executions
    FOR EACH ROW EXECUTE FUNCTION take_policy_snapshot();
CREATE TRIGGER guard_execution_update BEFORE UPDATE ON workflow_executions
    FOR EACH ROW EXECUTE FUNCTION guard_execution_update();
ALTER TABLE workflow_executions ENABLE ALWAYS TRIGGER take_policy_snapshot;
ALTER TABLE workflow_executions ENABLE ALWAYS TRIGGER guard_execution_update;
