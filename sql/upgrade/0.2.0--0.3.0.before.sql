-- afu9_policy 0.2.0 -> 0.3.0 (ALTER EXTENSION afu9_policy UPDATE). Made by
-- scripts/upgrade_scripts.sh: this part, then the code of sql/schema/ (re-run as it is on a
-- fresh install), then sql/upgrade/0.2.0--0.3.0.after.sql.
\echo Use "ALTER EXTENSION afu9_policy UPDATE" to load this file. \quit

-- 0.2.0 kept everything in the schema it was installed in (usually public), which its
-- installer could write to. 0.3.0 keeps its own objects in schema afu9_policy, where only the
-- extension's owner creates anything; runs, verdicts and policy_snapshots stay in public,
-- where the application finds them. An existing afu9_policy schema stops the update (42P06)
-- before anything changes.
CREATE SCHEMA afu9_policy;
-- Not a member, as on a fresh install (where CREATE EXTENSION creates it from the control file).
ALTER EXTENSION afu9_policy DROP SCHEMA afu9_policy;
GRANT USAGE ON SCHEMA afu9_policy TO PUBLIC;
COMMENT ON SCHEMA afu9_policy IS
    'afu9_policy: policy store, snapshot records, ledger, functions and views. Only the extension creates objects here.';
-- Until this script ends, what it creates goes into afu9_policy; nothing else is looked up
-- in @extschema@, which the installer may write to.
SELECT pg_catalog.set_config('search_path', 'afu9_policy, pg_temp', true);

-- 0.2.0's views were bound, when it was installed, to whatever its installer had put on the
-- search_path: CREATE OR REPLACE VIEW could not mend a view whose columns took a planted
-- function's type. Every view goes, with the functions typed by a view's row, and the code
-- below creates them anew. A view of yours over one of them stops the update here (2BP01):
-- drop it first and create it again afterwards.
DO $$
DECLARE
    ext pg_catalog.oid := (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'afu9_policy');
    views pg_catalog.oid[];
    theirs text;
BEGIN
    SELECT pg_catalog.array_agg(c.oid) INTO views
      FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.objid
     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND d.refobjid OPERATOR(pg_catalog.=) ext AND d.deptype OPERATOR(pg_catalog.=) 'e'
       AND c.relkind OPERATOR(pg_catalog.=) 'v';
    -- What the CASCADE below would take that is not the extension's own: refuse instead.
    WITH RECURSIVE gone(classid, objid) AS (
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, v FROM pg_catalog.unnest(views) v
        UNION
        SELECT d.classid, d.objid FROM gone g JOIN pg_catalog.pg_depend d
            ON d.refclassid OPERATOR(pg_catalog.=) g.classid AND d.refobjid OPERATOR(pg_catalog.=) g.objid
         WHERE d.deptype OPERATOR(pg_catalog.=) ANY ('{n,a,i}'::"char"[])
    )
    SELECT pg_catalog.string_agg(DISTINCT pg_catalog.pg_describe_object(g.classid, g.objid, 0), ', ') INTO theirs
      FROM gone g
      LEFT JOIN pg_catalog.pg_rewrite r ON g.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                                       AND r.oid OPERATOR(pg_catalog.=) g.objid
      LEFT JOIN pg_catalog.pg_type ty ON g.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
                                      AND ty.oid OPERATOR(pg_catalog.=) g.objid
      LEFT JOIN pg_catalog.pg_type el ON el.oid OPERATOR(pg_catalog.=) ty.typelem
     WHERE NOT EXISTS (
         SELECT 1 FROM pg_catalog.pg_depend m
          WHERE m.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
            AND m.refobjid OPERATOR(pg_catalog.=) ext AND m.deptype OPERATOR(pg_catalog.=) 'e'
            AND ((m.classid OPERATOR(pg_catalog.=) g.classid AND m.objid OPERATOR(pg_catalog.=) g.objid)
                 OR (m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                     AND m.objid OPERATOR(pg_catalog.=) ANY (ARRAY[r.ev_class, ty.typrelid, el.typrelid]))));
    IF theirs IS NOT NULL THEN
        RAISE EXCEPTION 'cannot update afu9_policy: % depend on its views, which the update creates anew', theirs
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Drop them, update, and create them again.';
    END IF;
    -- Cascades only to the extension's own functions typed by a view's row.
    SET LOCAL client_min_messages = warning;
    EXECUTE pg_catalog.format('DROP VIEW %s CASCADE',
                              (SELECT pg_catalog.string_agg(v::pg_catalog.regclass::text, ', ')
                                 FROM pg_catalog.unnest(views) v));
END
$$;

DO $$
DECLARE
    member record;
BEGIN
    FOR member IN
        SELECT d.classid, d.objid,
               CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                    THEN pg_catalog.format('FUNCTION %s', d.objid::pg_catalog.regprocedure)
                    WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
                    THEN pg_catalog.format('DOMAIN %s', d.objid::pg_catalog.regtype)
                    ELSE pg_catalog.format('TABLE %s', d.objid::pg_catalog.regclass) END AS object
          FROM pg_catalog.pg_depend d
          LEFT JOIN pg_catalog.pg_class c
                 ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                AND c.oid OPERATOR(pg_catalog.=) d.objid
          LEFT JOIN pg_catalog.pg_type t
                 ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
                AND t.oid OPERATOR(pg_catalog.=) d.objid
         WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
           AND d.refobjid OPERATOR(pg_catalog.=) (SELECT e.oid FROM pg_catalog.pg_extension e
                                                   WHERE e.extname OPERATOR(pg_catalog.=) 'afu9_policy')
           AND d.deptype OPERATOR(pg_catalog.=) 'e'
           AND (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                OR t.typtype OPERATOR(pg_catalog.=) 'd'
                -- Tables (the views are gone, sequences go with their tables).
                OR (c.relkind OPERATOR(pg_catalog.=) 'r'
                    AND c.relname OPERATOR(pg_catalog.<>) ALL ('{workflow_executions,verdicts}'::name[])))
    LOOP
        EXECUTE pg_catalog.format('ALTER %s SET SCHEMA afu9_policy', member.object);
    END LOOP;
    -- The application's tables belong in public, whatever schema 0.2.0 was installed in (the
    -- policy_snapshots view was dropped above and is made anew there).
    IF '@extschema@' OPERATOR(pg_catalog.<>) 'public' THEN
        ALTER TABLE @extschema@.workflow_executions SET SCHEMA public;
        ALTER TABLE @extschema@.verdicts SET SCHEMA public;
    END IF;
END
$$;

UPDATE pg_catalog.pg_depend
   SET refobjid = 'afu9_policy'::pg_catalog.regnamespace
 WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND objid OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'afu9_policy')
   AND refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass;
UPDATE pg_catalog.pg_extension
   SET extnamespace = 'afu9_policy'::pg_catalog.regnamespace
 WHERE extname OPERATOR(pg_catalog.=) 'afu9_policy';

-- The application's runs and verdicts stop being the extension's: its migrations may alter them,
-- pg_dump keeps every column, and DROP EXTENSION leaves them. They go to the installer, the
-- extension keeps its triggers and constraints on them (_govern_application_tables, after).
DO $$
DECLARE
    installer text := (SELECT e.extowner::pg_catalog.regrole::text FROM pg_catalog.pg_extension e
                        WHERE e.extname OPERATOR(pg_catalog.=) 'afu9_policy');
    numbering pg_catalog.regclass := pg_catalog.pg_get_serial_sequence('public.verdicts', 'ledger_seq')::pg_catalog.regclass;
BEGIN
    -- Verdicts are numbered by a sequence of the extension's from now on, after the last one.
    CREATE SEQUENCE afu9_policy.verdict_ledger_seq;
    PERFORM pg_catalog.setval('afu9_policy.verdict_ledger_seq', m)
       FROM (SELECT pg_catalog.max(v.ledger_seq) AS m FROM public.verdicts v) t WHERE m IS NOT NULL;
    EXECUTE pg_catalog.format('ALTER EXTENSION afu9_policy DROP SEQUENCE %s', numbering);
    ALTER TABLE public.verdicts ALTER COLUMN ledger_seq DROP IDENTITY;
    ALTER TABLE public.verdicts ALTER COLUMN ledger_seq SET DEFAULT pg_catalog.nextval('afu9_policy.verdict_ledger_seq');
    ALTER EXTENSION afu9_policy DROP TABLE public.workflow_executions;
    ALTER EXTENSION afu9_policy DROP TABLE public.verdicts;
    EXECUTE pg_catalog.format('ALTER TABLE public.workflow_executions OWNER TO %s', installer);
    EXECUTE pg_catalog.format('ALTER TABLE public.verdicts OWNER TO %s', installer);
END
$$;
SELECT pg_catalog.pg_extension_config_dump('afu9_policy.verdict_ledger_seq', '');
COMMENT ON SEQUENCE afu9_policy.verdict_ledger_seq IS 'Insertion order of verdicts (public.verdicts.ledger_seq), which the ledger chains in.';
-- What generate_verdict() and update_run_status() return now, instead of the tables' rows.
CREATE TYPE afu9_policy.verdict AS (
    id uuid, execution_id uuid, policy_snapshot_id uuid, fingerprint_id text, error_class text, service text,
    confidence_score integer, proposed_action text, verdict_type text, tokens text[], signals jsonb,
    playbook_id text, created_at timestamptz, metadata jsonb, ledger_seq bigint
);
COMMENT ON TYPE afu9_policy.verdict IS 'A verdict as the AFU-9 design has it (the columns of public.verdicts that the extension reads).';
CREATE TYPE afu9_policy.policy_snapshot AS (
    id uuid, version text, policies jsonb, created_at timestamptz, metadata jsonb, policy_hash bytea
);
COMMENT ON TYPE afu9_policy.policy_snapshot IS 'A policy snapshot as the AFU-9 design shows it, with the hash of its document.';
-- From now on a run's snapshot is in its own row; 0.2.0's stay in the snapshot store.
COMMENT ON TABLE afu9_policy.policy_snapshot_records IS
    'The snapshot store: snapshots not in a run''s row (inserted directly, adopted from AFU-9, or from before 0.3.0), each naming its policy document by hash. UPDATE and TRUNCATE are rejected.';
COMMENT ON TABLE afu9_policy.policy_ledger IS
    'Hash chains over snapshots (stored apart, and in runs'' rows), published policy versions, experiment allocations and verdicts, in insertion order. Append-only.';
COMMENT ON COLUMN afu9_policy.policy_ledger.chain IS 'policy_snapshots (stored apart), run_snapshots (in runs'' rows), policy_versions, policy_experiments (allocations) or verdicts.';
COMMENT ON COLUMN afu9_policy.policy_ledger.row_seq IS 'The chained row''s ledger_seq (insertion order); for run_snapshots, when it was taken (microseconds since 1970).';
CREATE TYPE afu9_policy.run AS (
    id uuid, workflow_id text, status text, input jsonb, output jsonb, context jsonb, started_at timestamptz,
    completed_at timestamptz, error text, triggered_by text, github_run_id text, repository_id uuid,
    created_at timestamptz, updated_at timestamptz, policy_snapshot_id uuid, pause_metadata jsonb
);
COMMENT ON TYPE afu9_policy.run IS 'A workflow run as the AFU-9 design has it (the columns of public.workflow_executions that the extension reads).';
DROP FUNCTION afu9_policy.generate_verdict(uuid, jsonb);
DROP FUNCTION afu9_policy.update_run_status(uuid, text, jsonb, text);

-- Attribution is the role that acts, not the one a SECURITY DEFINER function runs as (src/actor.rs;
-- pgrx writes this definition into the install script).
CREATE FUNCTION afu9_policy.acting_role() RETURNS TEXT
STRICT STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'acting_role_wrapper';
ALTER TABLE afu9_policy.policy_versions ALTER COLUMN published_by SET DEFAULT afu9_policy.acting_role();
ALTER TABLE afu9_policy.policy_activations ALTER COLUMN activated_by SET DEFAULT afu9_policy.acting_role();
ALTER TABLE afu9_policy.policy_snapshot_records ALTER COLUMN created_by SET DEFAULT afu9_policy.acting_role();
COMMENT ON COLUMN afu9_policy.policy_versions.published_by IS 'The role that published it (acting_role()).';
COMMENT ON COLUMN afu9_policy.policy_activations.activated_by IS 'The role that activated it (acting_role()).';
COMMENT ON COLUMN afu9_policy.policy_snapshot_records.created_by IS 'The role whose statement took the snapshot (acting_role()).';

-- The active document, looked up once per statement snapshot instead of once per call
-- (src/active.rs; pgrx writes this into the install script).
CREATE OR REPLACE FUNCTION afu9_policy.active_policy(repository_id uuid DEFAULT NULL) RETURNS jsonb
STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'active_policy_wrapper';

-- An audit's checks and replay in one call (src/verdict.rs; pgrx writes this into the install script).
CREATE FUNCTION afu9_policy.verdict_audit_issues(
    policy_snapshot_id uuid, snapshot_id uuid, signals jsonb, policies jsonb, error_class text,
    confidence_score integer, proposed_action text, fingerprint_id text) RETURNS text[]
IMMUTABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'verdict_audit_issues_wrapper';

-- What AFU-9's own SQL writes: runs pause (status 'paused', pause_metadata), verdicts may have
-- NULL metadata.
ALTER TABLE public.workflow_executions ADD COLUMN pause_metadata jsonb;
COMMENT ON COLUMN public.workflow_executions.pause_metadata IS
    'Why and by whom a run was paused, resumed or aborted, as AFU-9 records it (pausedAt, pausedBy, reason, abortMetadata, resumedAt).';
ALTER TABLE public.workflow_executions DROP CONSTRAINT workflow_executions_status_check,
    ADD CONSTRAINT workflow_executions_status_check
        CHECK (status IN ('pending', 'running', 'paused', 'completed', 'failed', 'cancelled'));
COMMENT ON COLUMN public.workflow_executions.status IS 'pending, running, paused, completed, failed or cancelled.';
ALTER TABLE public.verdicts ALTER COLUMN metadata DROP NOT NULL;
COMMENT ON COLUMN public.verdicts.metadata IS 'Free-form metadata; AFU-9 may store NULL.';
