-- Immutability guards, shared by every table whose rows must never change.
-- Created ENABLE ALWAYS (see the ALTER TABLE statements beside each table) so that
-- session_replication_role = replica does not switch them off.

CREATE OR REPLACE FUNCTION raise_immutable(operation text, relation text, what text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'cannot % %: % are immutable', operation, relation, what
        USING ERRCODE = 'restrict_violation',
              HINT = 'Changes are never made in place: insert a new row instead.';
END
$$;
COMMENT ON FUNCTION raise_immutable(text, text, text) IS
    'Raises the immutability error (SQLSTATE 23001, restrict_violation) for an operation on a relation.';

CREATE OR REPLACE FUNCTION reject_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    -- TG_ARGV[0] names what is protected, in the user's words ("policy snapshots").
    PERFORM afu9_policy.raise_immutable(TG_OP, TG_TABLE_NAME, TG_ARGV[0]);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reject_change() IS
    'Trigger function: rejects the triggering UPDATE, DELETE or TRUNCATE with SQLSTATE 23001 (restrict_violation).';

-- An extension table whose rows never change: <table>_reject_change (UPDATE, DELETE) and
-- <table>_reject_truncate, ENABLE ALWAYS, each with the comment given. Run again, it replaces them.
CREATE OR REPLACE FUNCTION _make_immutable(rel regclass, what text, comment text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    name text := (SELECT relname FROM pg_class WHERE oid = rel);
    t text;
BEGIN
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION afu9_policy.reject_change(%L)',
                   name || '_reject_change', rel, what);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION afu9_policy.reject_change(%L)',
                   name || '_reject_truncate', rel, what);
    FOREACH t IN ARRAY ARRAY[name || '_reject_change', name || '_reject_truncate'] LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', rel, t);
        EXECUTE format('COMMENT ON TRIGGER %I ON %s IS %L', t, rel, comment);
    END LOOP;
END
$$;
COMMENT ON FUNCTION _make_immutable(regclass, text, text) IS
    'Internal: puts the immutability guards (reject_change for UPDATE, DELETE and TRUNCATE, ENABLE ALWAYS, commented) on an extension table.';

-- The extension's code names the runs and verdicts it guards as public.workflow_executions and
-- public.verdicts. A database owner owns schema public and could rename it and put a schema of
-- its own, with tables and triggers of its own, under that name, for the extension's SECURITY
-- DEFINER functions to run. The schema that holds them keeps its name.
CREATE OR REPLACE FUNCTION guard_governed_schema() RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    renamed name;
BEGIN
    SELECT n.nspname INTO renamed
      FROM pg_event_trigger_ddl_commands() c
      JOIN pg_namespace n ON n.oid = c.objid
     WHERE c.classid = 'pg_namespace'::regclass AND n.nspname <> 'public'
       -- The schema holds a table the extension governs: one with a trigger of the extension's.
       AND EXISTS (SELECT 1 FROM pg_class r JOIN pg_trigger t ON t.tgrelid = r.oid
                     JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = t.tgfoid AND d.deptype = 'e'
                    WHERE r.relnamespace = n.oid
                      AND d.refclassid = 'pg_extension'::regclass
                      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy'))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot rename schema public to %: afu9_policy keeps the runs and verdicts it guards there', renamed
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The extension''s functions name public.workflow_executions and public.verdicts.';
    END IF;
END
$$;
COMMENT ON FUNCTION guard_governed_schema() IS
    'Event trigger function: refuses to rename the schema holding the runs and verdicts the extension guards (42501).';

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname OPERATOR(pg_catalog.=) 'afu9_policy_guard_governed_schema') THEN
        CREATE EVENT TRIGGER afu9_policy_guard_governed_schema ON ddl_command_end WHEN TAG IN ('ALTER SCHEMA')
            EXECUTE FUNCTION afu9_policy.guard_governed_schema();
    END IF;
END
$$;
COMMENT ON EVENT TRIGGER afu9_policy_guard_governed_schema IS
    'Keeps the name of schema public, where the runs and verdicts afu9_policy guards are.';
