-- Who may do what, per database. Roles are cluster-wide and extensions per database, so the
-- extension creates no role: whoever installed it holds its rights WITH GRANT OPTION in this
-- database and hands them to its own logins with grant_policy_writer() and
-- grant_policy_auditor(). A writer inserts runs and verdicts and calls the generating
-- functions; an auditor reads, audits and verifies. Neither may UPDATE, DELETE or TRUNCATE, nor
-- set what the ledger and the windows depend on (ledger_seq, created_at, a run's snapshot).
-- Functions that must write as the extension are SECURITY DEFINER, not executable by PUBLIC.

-- Runs change state as they progress. With the caller's rights: the runs are the
-- application's table, whose triggers must never run as the extension.
CREATE OR REPLACE FUNCTION update_run_status(execution_id uuid, status text, output jsonb DEFAULT NULL, error text DEFAULT NULL)
RETURNS afu9_policy.run
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    updated afu9_policy.run;
    -- A value, not now() in the CASE below: Citus sends no volatile call into CASE to a worker.
    at timestamptz := now();
BEGIN
    UPDATE public.workflow_executions e
       SET status = update_run_status.status,
           output = coalesce(update_run_status.output, e.output),
           error = coalesce(update_run_status.error, e.error),
           completed_at = CASE WHEN update_run_status.status IN ('completed', 'failed', 'cancelled')
                               THEN coalesce(e.completed_at, at) ELSE e.completed_at END
     WHERE e.id = update_run_status.execution_id
    RETURNING e.id, e.workflow_id, e.status, e.input, e.output, e.context, e.started_at, e.completed_at, e.error,
              e.triggered_by, e.github_run_id, e.repository_id, e.created_at, e.updated_at, e.policy_snapshot_id,
              e.pause_metadata
         INTO updated;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cannot update run %: no such run', execution_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN updated;
END
$$;
COMMENT ON FUNCTION update_run_status(uuid, text, jsonb, text) IS
    'Sets a run''s status (and output and error when given); completed_at is set when the run completes, fails or is cancelled. 23503 for an unknown run. Never changes the run''s policy snapshot. Runs with the caller''s rights.';

-- The snapshot trigger writes the snapshot store as the extension's owner, so that inserting a
-- run needs no privilege on it (pgrx writes its definition; the others say SECURITY DEFINER
-- where they are defined). Code that reads or writes the application's runs and verdicts runs
-- with the caller's rights, so that no relation of anyone else's is ever used with the owner's;
-- sealing reads verdicts only from a plain table (ledger.sql).
ALTER FUNCTION take_policy_snapshot() SECURITY DEFINER;

REVOKE EXECUTE ON FUNCTION take_policy_snapshot(), guard_execution_update(), link_verdict_to_snapshot(),
    guard_snapshot_delete(), reject_change(), generate_verdict(uuid, jsonb),
    update_run_status(uuid, text, jsonb, text), publish_policy(text, jsonb, boolean, uuid),
    activate_policy(text, uuid), seal_policy_ledger(), policy_ledger_digest(),
    publish_policy_template(text, text, jsonb), publish_policy_overrides(text, uuid, text, jsonb, text, boolean),
    start_policy_experiment(text, jsonb, uuid), set_policy_experiment_weights(text, jsonb), stop_policy_experiment(text),
    _allocate_policy_experiment(policy_experiments, jsonb, boolean), _running_policy_experiment(text),
    _make_immutable(regclass, text, text),
    store_policy_document(jsonb), govern_snapshot_insert(),
    _record_policy_snapshot(uuid, text, jsonb, timestamptz, jsonb, uuid),
    _create_application_tables(), _create_application_views(), _govern_application_tables(),
    _adopt_policy_snapshots(), _link_verdicts_to_runs() FROM PUBLIC;

-- The application's tables are its own: a writer may insert every column but those the
-- database sets (created_at, ledger_seq, a run's snapshot), whatever columns they have.
CREATE OR REPLACE FUNCTION _application_columns(rel text, excluded text[]) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
      FROM pg_attribute a
     WHERE a.attrelid = to_regclass(rel) AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname <> ALL (excluded)
$$;
COMMENT ON FUNCTION _application_columns(text, text[]) IS
    'Internal: the columns of an application table but those excluded, as a column list; NULL when the table is missing.';

-- The rights of each kind, in one place: what the install grants the installer (with grant
-- option), what grant_policy_*() and revoke_policy_*() hand on and take back.
CREATE OR REPLACE FUNCTION _policy_rights(kinds text[])
RETURNS TABLE (privilege text, object text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    SELECT r.privilege, r.object
      FROM (VALUES
        ('reader', 'SELECT', 'TABLE public.workflow_executions'),
        ('reader', 'SELECT', 'TABLE public.verdicts'),
        ('reader', 'SELECT', 'TABLE public.policy_snapshots'),
        ('reader', 'SELECT', 'TABLE public.executions_with_policy'),
        ('reader', 'SELECT', 'TABLE public.verdicts_with_policy'),
        ('reader', 'SELECT', 'TABLE public.verdict_statistics'),
        ('reader', 'SELECT', 'TABLE afu9_policy.policy_snapshots, afu9_policy.policy_snapshot_records, '
                             'afu9_policy.policy_documents, afu9_policy.policy_versions, '
                             'afu9_policy.policy_activations, afu9_policy.policy_ledger, afu9_policy.policy_kpis, '
                             'afu9_policy.verdict_audits, afu9_policy.noncompliant_verdicts, '
                             'afu9_policy.policy_history, afu9_policy.policy_version_stats, '
                             'afu9_policy.policy_ledger_rows, afu9_policy.policy_experiments, '
                             'afu9_policy.policy_experiment_allocations, afu9_policy.policy_experiment_arms, '
                             'afu9_policy.policy_experiment_history, afu9_policy.policy_experiment_runs, afu9_policy.policy_experiment_arm_ranges, '
                             'afu9_policy.policy_experiment_results, afu9_policy.policy_version_results, '
                             'afu9_policy.policy_templates'),
        ('reader', 'EXECUTE', 'FUNCTION afu9_policy.seal_policy_ledger(), afu9_policy.policy_ledger_digest()'),
        ('writer', 'INSERT (' || afu9_policy._application_columns('public.workflow_executions',
                                     '{created_at,ledger_seq,policy_snapshot_id,policy_version_id,policy_snapshot_taken_at,policy_snapshot_taken_by,policy_experiment_arm_id}') || ')',
                   'TABLE public.workflow_executions'),
        ('writer', 'UPDATE (' || afu9_policy._application_columns('public.workflow_executions',
                                     '{id,created_at,policy_version_id,policy_snapshot_taken_at,policy_snapshot_taken_by,policy_experiment_arm_id}') || ')',
                   'TABLE public.workflow_executions'),
        ('writer', 'INSERT (' || afu9_policy._application_columns('public.verdicts',
                                     '{created_at,ledger_seq}') || ')', 'TABLE public.verdicts'),
        -- The application's own snapshot-and-link, and the order of verdicts.
        ('writer', 'INSERT', 'TABLE public.policy_snapshots'),
        ('writer', 'USAGE', 'SEQUENCE afu9_policy.verdict_ledger_seq'),
        ('writer', 'EXECUTE', 'FUNCTION afu9_policy.generate_verdict(uuid, jsonb), '
                              'afu9_policy.update_run_status(uuid, text, jsonb, text), '
                              'afu9_policy.store_policy_document(jsonb), '
                              'afu9_policy._record_policy_snapshot(uuid, text, jsonb, timestamptz, jsonb, uuid)'),
        ('admin', 'EXECUTE', 'FUNCTION afu9_policy.publish_policy(text, jsonb, boolean, uuid), '
                             'afu9_policy.activate_policy(text, uuid), '
                             'afu9_policy.publish_policy_template(text, text, jsonb), '
                             'afu9_policy.publish_policy_overrides(text, uuid, text, jsonb, text, boolean), '
                             'afu9_policy.start_policy_experiment(text, jsonb, uuid), '
                             'afu9_policy.set_policy_experiment_weights(text, jsonb), '
                             'afu9_policy.stop_policy_experiment(text)'),
        ('owner', 'EXECUTE', 'FUNCTION afu9_policy.take_custody(), '
                             'afu9_policy.add_application_column(regclass, text, regtype)')
      ) AS r(kind, privilege, object)
     WHERE r.kind = ANY (kinds)
       -- The application's relations that this database does not have (yet: a restore).
       AND r.privilege IS NOT NULL
       AND (r.object NOT LIKE 'TABLE public.%' OR to_regclass(substr(r.object, 7)) IS NOT NULL)
$$;
COMMENT ON FUNCTION _policy_rights(text[]) IS
    'Internal: the privileges of the kinds of rights given (reader, writer, admin), as GRANT clauses, for the relations this database has.';

-- Whoever installed the extension, and the database's owner (the same role, but for a restore
-- by a superuser), hold every right with grant option, in this database only. As the owners of
-- the design's policy_snapshots view, whose rules write the snapshot store, they may write it too.
DO $$
DECLARE
    holder text;
    r record;
BEGIN
    FOR holder IN
        SELECT DISTINCT h::regrole::text
          FROM (SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'afu9_policy'
                UNION ALL
                SELECT datdba FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) AS o(h)
    LOOP
        FOR r IN SELECT * FROM afu9_policy._policy_rights(ARRAY['reader', 'writer', 'admin', 'owner']) LOOP
            EXECUTE pg_catalog.format('GRANT %s ON %s TO %s WITH GRANT OPTION', r.privilege, r.object, holder);
        END LOOP;
        EXECUTE pg_catalog.format('GRANT INSERT, UPDATE (id), DELETE ON afu9_policy.policy_snapshot_records TO %s', holder);
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION _change_policy_rights(verb text, kind text, role regrole) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    installer regrole := (SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'afu9_policy');
    r record;
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'cannot % policy % rights: no role given', lower(verb), kind
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- SECURITY INVOKER: the GRANTs below run with the caller's own grant options, which only
    -- the installer and the database owner (and their members) and superusers hold, and only
    -- in this database.
    IF NOT has_function_privilege(current_user, 'afu9_policy.activate_policy(text, uuid)', 'EXECUTE WITH GRANT OPTION')
       AND NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'permission denied to % policy % rights: only %, which installed afu9_policy in this database, the database owner and superusers may',
                        lower(verb), kind, installer
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Writers and administrators read too; revoking their rights leaves reading (an auditor's) alone.
    FOR r IN SELECT * FROM afu9_policy._policy_rights(CASE WHEN kind = 'auditor' THEN ARRAY['reader']
                                                           WHEN verb = 'GRANT' THEN ARRAY['reader', kind]
                                                           ELSE ARRAY[kind] END) LOOP
        EXECUTE format('%s %s ON %s %s %s', verb, r.privilege, r.object,
                       CASE verb WHEN 'GRANT' THEN 'TO' ELSE 'FROM' END, role::text);
    END LOOP;
END
$$;
COMMENT ON FUNCTION _change_policy_rights(text, text, regrole) IS
    'Internal: GRANTs or REVOKEs the rights of a kind (writer, admin, auditor) to or from a role, as the caller; 42501 unless the caller installed the extension or is a superuser.';

CREATE OR REPLACE FUNCTION grant_policy_writer(role regrole) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$ SELECT afu9_policy._change_policy_rights('GRANT', 'writer', role) $$;
COMMENT ON FUNCTION grant_policy_writer(regrole) IS
    'Lets a role insert runs and verdicts, generate verdicts, move runs with update_run_status() and read everything, in this database only. Only the installer or a superuser may call it (42501).';

CREATE OR REPLACE FUNCTION grant_policy_auditor(role regrole) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$ SELECT afu9_policy._change_policy_rights('GRANT', 'auditor', role) $$;
COMMENT ON FUNCTION grant_policy_auditor(regrole) IS
    'Lets a role read, audit, seal and verify the ledger and take its digest, in this database only. Only the installer or a superuser may call it (42501).';

CREATE OR REPLACE FUNCTION revoke_policy_writer(role regrole) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$ SELECT afu9_policy._change_policy_rights('REVOKE', 'writer', role) $$;
COMMENT ON FUNCTION revoke_policy_writer(regrole) IS 'Takes back the writing rights grant_policy_writer() gave the role (inserting, generating verdicts, update_run_status); reading stays until revoke_policy_auditor().';

CREATE OR REPLACE FUNCTION revoke_policy_auditor(role regrole) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$ SELECT afu9_policy._change_policy_rights('REVOKE', 'auditor', role) $$;
COMMENT ON FUNCTION revoke_policy_auditor(regrole) IS 'Takes back reading, auditing and the ledger functions from the role.';

CREATE OR REPLACE FUNCTION grant_policy_admin(role regrole) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$ SELECT afu9_policy._change_policy_rights('GRANT', 'admin', role) $$;
COMMENT ON FUNCTION grant_policy_admin(regrole) IS
    'Lets a role publish and activate policy versions, publish templates and overrides, start, reweight and stop experiments, and read everything, in this database only. Only the installer or a superuser may call it (42501).';

CREATE OR REPLACE FUNCTION revoke_policy_admin(role regrole) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$ SELECT afu9_policy._change_policy_rights('REVOKE', 'admin', role) $$;
COMMENT ON FUNCTION revoke_policy_admin(regrole) IS 'Takes back what grant_policy_admin() gave the role but reading, which stays until revoke_policy_auditor().';
