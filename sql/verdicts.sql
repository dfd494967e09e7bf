-- Verdicts for failed runs. Each points at its run's own snapshot; the database fills the
-- link in and refuses any other.

CREATE TABLE verdicts (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    execution_id       uuid NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
    policy_snapshot_id uuid REFERENCES policy_snapshot_records (id) ON DELETE RESTRICT,
    fingerprint_id     text NOT NULL,
    error_class        text NOT NULL,
    service            text NOT NULL,
    confidence_score   integer NOT NULL
                       CONSTRAINT verdicts_confidence_score_check CHECK (confidence_score BETWEEN 0 AND 100),
    proposed_action    text NOT NULL
                       CONSTRAINT verdicts_proposed_action_check
                       CHECK (proposed_action IN ('WAIT_AND_RETRY', 'OPEN_ISSUE', 'HUMAN_REQUIRED')),
    verdict_type       text NOT NULL DEFAULT 'PENDING'
                       CONSTRAINT verdicts_verdict_type_check
                       CHECK (verdict_type IN ('APPROVED', 'REJECTED', 'DEFERRED', 'ESCALATED', 'WARNING', 'BLOCKED', 'PENDING')),
    tokens             text[] NOT NULL DEFAULT '{}',
    signals            jsonb NOT NULL DEFAULT '[]',
    playbook_id        text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    metadata           jsonb NOT NULL DEFAULT '{}',
    ledger_seq         bigint NOT NULL GENERATED ALWAYS AS IDENTITY
);
COMMENT ON TABLE verdicts IS
    'Verdicts on failed runs, each linked to its run''s policy snapshot (filled in when omitted, checked when given). Immutable: UPDATE and TRUNCATE are rejected.';
COMMENT ON COLUMN verdicts.id IS 'Verdict id.';
COMMENT ON COLUMN verdicts.execution_id IS 'The run judged (deleting the run deletes its verdicts).';
COMMENT ON COLUMN verdicts.policy_snapshot_id IS 'The run''s policy snapshot; a snapshot referenced here cannot be deleted.';
COMMENT ON COLUMN verdicts.fingerprint_id IS 'Fingerprint of the failure (32 hex digits of SHA-256).';
COMMENT ON COLUMN verdicts.error_class IS 'Error class, such as CFN_ROLLBACK_LOCK or UNKNOWN.';
COMMENT ON COLUMN verdicts.service IS 'Service the failure belongs to.';
COMMENT ON COLUMN verdicts.confidence_score IS 'Confidence, 0..100.';
COMMENT ON COLUMN verdicts.proposed_action IS 'WAIT_AND_RETRY, OPEN_ISSUE or HUMAN_REQUIRED.';
COMMENT ON COLUMN verdicts.verdict_type IS 'APPROVED, REJECTED, DEFERRED, ESCALATED, WARNING, BLOCKED or PENDING.';
COMMENT ON COLUMN verdicts.tokens IS 'Descriptive tokens of the failure.';
COMMENT ON COLUMN verdicts.signals IS 'The failure signals the verdict was computed from.';
COMMENT ON COLUMN verdicts.playbook_id IS 'Playbook proposed.';
COMMENT ON COLUMN verdicts.created_at IS 'When the verdict was stored.';
COMMENT ON COLUMN verdicts.metadata IS 'Free-form metadata.';
COMMENT ON COLUMN verdicts.ledger_seq IS 'Insertion order, which the tamper-evident ledger chains in.';

CREATE INDEX idx_verdicts_execution_id ON verdicts (execution_id);
CREATE INDEX idx_verdicts_policy_snapshot_id ON verdicts (policy_snapshot_id);
CREATE INDEX idx_verdicts_created_at ON verdicts (created_at);
CREATE INDEX idx_verdicts_without_snapshot ON verdicts (created_at) WHERE policy_snapshot_id IS NULL;
CREATE INDEX idx_verdicts_fingerprint_id ON verdicts (fingerprint_id);

CREATE FUNCTION link_verdict_to_snapshot() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    run_snapshot uuid;
BEGIN
    SELECT policy_snapshot_id INTO run_snapshot
      FROM @extschema@.workflow_executions WHERE id = NEW.execution_id;
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
        IF @extschema@.snapshot_failure_mode() = 'warn' THEN
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

CREATE TRIGGER link_verdict_to_snapshot BEFORE INSERT ON verdicts
    FOR EACH ROW EXECUTE FUNCTION link_verdict_to_snapshot();
CREATE TRIGGER verdicts_reject_update BEFORE UPDATE ON verdicts
    FOR EACH ROW EXECUTE FUNCTION reject_change('verdicts');
CREATE TRIGGER verdicts_reject_truncate BEFORE TRUNCATE ON verdicts
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change('verdicts');
ALTER TABLE verdicts ENABLE ALWAYS TRIGGER link_verdict_to_snapshot;
ALTER TABLE verdicts ENABLE ALWAYS TRIGGER verdicts_reject_update;
ALTER TABLE verdicts ENABLE ALWAYS TRIGGER verdicts_reject_truncate;
