-- Custody: the trade-off of governing, made a choice. Governed, the application's tables stay
-- their owner's, and an owner may switch a trigger off: against the owner the guarantees are
-- "detected" (the ledger, verified against a digest kept elsewhere), against every other login
-- "refused". In custody, the tables belong to afu9_policy_custodian, a role nobody logs in as
-- or is a member of: the guards are refused to the database owner too; its schema changes go
-- through add_application_column(); only a superuser gives the tables back.

-- Code of the application's that would run as the custodian (a cascade from another table
-- runs the governed table's triggers, constraints and defaults as its owner): custody refuses it.
CREATE OR REPLACE FUNCTION _custody_obstacles() RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    WITH governed AS (
        SELECT t AS oid FROM afu9_policy._governed_tables() t
    ), ours AS (
        SELECT d.objid FROM pg_depend d
         WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass
           AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy')
    )
    SELECT format('trigger %s on %s', t.tgname, t.tgrelid::regclass)
      FROM pg_trigger t JOIN governed g ON g.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND t.tgfoid NOT IN (SELECT objid FROM ours)
    UNION ALL
    SELECT format('rule %s on %s', r.rulename, r.ev_class::regclass)
      FROM pg_rewrite r JOIN governed g ON g.oid = r.ev_class
    UNION ALL
    SELECT format('row level security on %s', c.oid::regclass)
      FROM pg_class c JOIN governed g ON g.oid = c.oid
     WHERE c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
    UNION ALL
    -- Defaults, constraints and indexes that call a function of the application's.
    SELECT DISTINCT format('%s calls %s', pg_describe_object(d.classid, d.objid, d.objsubid), d.refobjid::regprocedure)
      FROM pg_depend d
      JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid
     WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'afu9_policy'::regnamespace)
       AND ((d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT a.oid FROM pg_attrdef a JOIN governed g ON g.oid = a.adrelid))
            OR (d.classid = 'pg_constraint'::regclass AND d.objid IN (SELECT c.oid FROM pg_constraint c JOIN governed g ON g.oid = c.conrelid))
            OR (d.classid = 'pg_class'::regclass AND d.objid IN (SELECT i.indexrelid FROM pg_index i JOIN governed g ON g.oid = i.indrelid)))
$$;
COMMENT ON FUNCTION _custody_obstacles() IS
    'Internal: what of the application''s would run as the custodian if the governed tables were in custody (triggers, rules, row level security, functions in defaults, constraints, indexes).';

CREATE OR REPLACE FUNCTION take_custody() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    actor text := afu9_policy.acting_role();
    rel regclass;
    owner regrole;
    obstacles text;
BEGIN
    IF NOT pg_has_role(actor, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to take custody of the application''s tables: only the database owner may'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM afu9_policy._check_plain_table('public.workflow_executions');
    PERFORM afu9_policy._check_plain_table('public.verdicts');
    SELECT string_agg(o, '; ' ORDER BY o) INTO obstacles FROM afu9_policy._custody_obstacles() o;
    IF obstacles IS NOT NULL THEN
        RAISE EXCEPTION 'cannot take custody of the application''s tables: code of the application''s would run as the custodian: %', obstacles
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Move what these do elsewhere (the extension keeps updated_at itself), or stay governed: the ledger detects what the tables'' owner changes.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'afu9_policy_custodian') THEN
        CREATE ROLE afu9_policy_custodian NOLOGIN NOINHERIT;
        COMMENT ON ROLE afu9_policy_custodian IS 'afu9_policy: owns the application''s governed tables in custody; nobody logs in as it or is a member of it.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_auth_members WHERE roleid = 'afu9_policy_custodian'::regrole) THEN
        RAISE EXCEPTION 'cannot take custody: role afu9_policy_custodian has members, who could switch the guards off'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    FOR rel IN SELECT t FROM afu9_policy._governed_tables() t
    LOOP
        -- The owner keeps using the table, but may no longer alter it, switch triggers or truncate
        -- (granted after the change of owner, which hands the old owner's own rights over).
        owner := (SELECT relowner::regrole FROM pg_class WHERE oid = rel);
        EXECUTE format('ALTER TABLE %s OWNER TO afu9_policy_custodian', rel);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES ON %s TO %s WITH GRANT OPTION', rel, owner);
    END LOOP;
END
$$;
COMMENT ON FUNCTION take_custody() IS
    'Hands the governed tables (runs, verdicts, AFU-9''s policy_snapshots) to afu9_policy_custodian, so that their guards are refused to the database owner too; the owner keeps reading and writing them. Only the database owner may (42501); 55000 while code of the application''s would run as the custodian.';

CREATE OR REPLACE FUNCTION release_custody() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    rel regclass;
BEGIN
    -- Not the database owner: what custody refuses it would be undone by it.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = afu9_policy.acting_role()) THEN
        RAISE EXCEPTION 'permission denied to release custody of the application''s tables: only a superuser may'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR rel IN SELECT t FROM afu9_policy._governed_tables() t JOIN pg_class c ON c.oid = t
                WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = 'afu9_policy_custodian')
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO %s', rel,
                       (SELECT datdba::regrole FROM pg_database WHERE datname = current_database()));
    END LOOP;
END
$$;
COMMENT ON FUNCTION release_custody() IS
    'Gives the governed tables back to the database owner (governed again: the owner may switch guards off, which the ledger detects). Only a superuser may (42501).';

-- The application's schema changes while in custody: new columns of built-in types, without a
-- default (nothing of the application's runs as the custodian).
CREATE OR REPLACE FUNCTION add_application_column(rel regclass, column_name text, column_type regtype) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    base regtype := coalesce(nullif((SELECT typelem FROM pg_type WHERE oid = column_type AND typcategory = 'A'), 0), column_type);
BEGIN
    IF NOT pg_has_role(afu9_policy.acting_role(), (SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to add a column to %: only the database owner may', rel
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF rel IS NULL OR rel NOT IN (SELECT t FROM afu9_policy._governed_tables() t)
       OR (SELECT relowner FROM pg_class WHERE oid = rel) IS DISTINCT FROM (SELECT oid FROM pg_roles WHERE rolname = 'afu9_policy_custodian') THEN
        RAISE EXCEPTION 'cannot add a column to %: it is not a governed table in custody', coalesce(rel::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A table the application owns is altered with ALTER TABLE.';
    END IF;
    IF column_type IS NULL OR (SELECT typnamespace <> 'pg_catalog'::regnamespace OR typtype <> 'b' FROM pg_type WHERE oid = base) THEN
        RAISE EXCEPTION 'cannot add column % of type %: only built-in types may be added in custody', column_name, coalesce(column_type::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', rel, column_name, column_type);
END
$$;
COMMENT ON FUNCTION add_application_column(regclass, text, regtype) IS
    'Adds a column of a built-in type (no default) to a governed table in custody, for the application''s migrations. Only the database owner may (42501); 22023 for another table or type.';

REVOKE EXECUTE ON FUNCTION take_custody(), release_custody(), add_application_column(regclass, text, regtype)
    FROM PUBLIC;
