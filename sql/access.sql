-- Who may do what. Two roles: afu9_policy_writer inserts runs and verdicts and calls the
-- generating functions; afu9_policy_auditor reads, audits and verifies. Neither may UPDATE,
-- DELETE or TRUNCATE the extension's tables. Functions that must write as the extension are
-- SECURITY DEFINER with a pinned search_path (pg_temp last), and not executable by PUBLIC.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'afu9_policy_writer') THEN
        CREATE ROLE afu9_policy_writer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'afu9_policy_auditor') THEN
        CREATE ROLE afu9_policy_auditor NOLOGIN;
    END IF;
END
$$;
COMMENT ON ROLE afu9_policy_writer IS 'afu9_policy: inserts runs and verdicts, calls generate_verdict and update_run_status.';
COMMENT ON ROLE afu9_policy_auditor IS 'afu9_policy: reads, audits, verifies the ledger and takes its digest.';

-- Runs change state as they progress; the writer does that through this function, not UPDATE.
CREATE FUNCTION update_run_status(execution_id uuid, status text, output jsonb DEFAULT NULL, error text DEFAULT NULL)
RETURNS workflow_executions
LANGUAGE plpgsql
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    updated @extschema@.workflow_executions;
BEGIN
    UPDATE @extschema@.workflow_executions e
       SET status = update_run_status.status,
           output = coalesce(update_run_status.output, e.output),
           error = coalesce(update_run_status.error, e.error),
           completed_at = CASE WHEN update_run_status.status IN ('completed', 'failed', 'cancelled')
                               THEN coalesce(e.completed_at, now()) ELSE e.completed_at END
     WHERE e.id = update_run_status.execution_id
    RETURNING * INTO updated;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cannot update run %: no such run', execution_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN updated;
END
$$;
COMMENT ON FUNCTION update_run_status(uuid, text, jsonb, text) IS
    'Sets a run''s status (and output and error when given); completed_at is set when the run completes, fails or is cancelled. 23503 for an unknown run. Never changes the run''s policy snapshot.';

-- Run as the extension's owner: the triggers (so that inserting a run needs no privilege on
-- the snapshot tables) and the functions that write.
ALTER FUNCTION take_policy_snapshot() SECURITY DEFINER;
ALTER FUNCTION guard_execution_update() SECURITY DEFINER;
ALTER FUNCTION link_verdict_to_snapshot() SECURITY DEFINER;
ALTER FUNCTION guard_snapshot_delete() SECURITY DEFINER;
ALTER FUNCTION generate_verdict(uuid, jsonb) SECURITY DEFINER;
ALTER FUNCTION update_run_status(uuid, text, jsonb, text) SECURITY DEFINER;
ALTER FUNCTION publish_policy(text, jsonb, boolean, uuid) SECURITY DEFINER;
ALTER FUNCTION activate_policy(text, uuid) SECURITY DEFINER;
ALTER FUNCTION seal_policy_ledger() SECURITY DEFINER;
ALTER FUNCTION policy_ledger_digest() SECURITY DEFINER;

REVOKE EXECUTE ON FUNCTION take_policy_snapshot(), guard_execution_update(), link_verdict_to_snapshot(),
    guard_snapshot_delete(), reject_change(), generate_verdict(uuid, jsonb),
    update_run_status(uuid, text, jsonb, text), publish_policy(text, jsonb, boolean, uuid),
    activate_policy(text, uuid), seal_policy_ledger(), policy_ledger_digest(),
    store_policy_document(jsonb) FROM PUBLIC;

-- The extension's own relations only: the schema may hold the user's tables too.
GRANT SELECT ON workflow_executions, verdicts, policy_snapshots, policy_snapshot_records, policy_documents,
    policy_versions, policy_activations, policy_ledger, executions_with_policy, verdicts_with_policy,
    policy_kpis, verdict_audits, noncompliant_verdicts, verdict_statistics, policy_history,
    policy_version_stats, policy_ledger_rows
    TO afu9_policy_writer, afu9_policy_auditor;
GRANT INSERT ON workflow_executions, verdicts TO afu9_policy_writer;
GRANT EXECUTE ON FUNCTION generate_verdict(uuid, jsonb), update_run_status(uuid, text, jsonb, text),
    seal_policy_ledger(), policy_ledger_digest() TO afu9_policy_writer;
GRANT EXECUTE ON FUNCTION seal_policy_ledger(), policy_ledger_digest() TO afu9_policy_auditor;

-- Whoever installed the extension (a database owner, when it is installed as trusted: the
-- script then runs as the bootstrap superuser, but pg_extension.extowner is the caller) may
-- hand the roles on, and publish and activate policies.
DO $$
DECLARE
    installer name := (SELECT pg_catalog.pg_get_userbyid(extowner) FROM pg_catalog.pg_extension
                        WHERE extname = 'afu9_policy');
BEGIN
    EXECUTE pg_catalog.format('GRANT afu9_policy_writer, afu9_policy_auditor TO %I WITH ADMIN OPTION', installer);
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION @extschema@.publish_policy(text, jsonb, boolean, uuid), '
                              '@extschema@.activate_policy(text, uuid), @extschema@.store_policy_document(jsonb) TO %I',
                              installer);
END
$$;
