-- Distributes afu9_policy's tables over a Citus cluster (Citus 13.2, PostgreSQL 15).
--
-- What it makes:
--   * the extension's own tables (afu9_policy.policy_documents, policy_versions,
--     policy_activations, policy_snapshot_records, policy_ledger: every table that is a member of
--     the extension) REFERENCE tables: a full copy on every node, so that the snapshot trigger,
--     which fires on the workers' shards, reads the active policy on its own node;
--   * the application's runs, public.workflow_executions, DISTRIBUTED by id, and its verdicts,
--     public.verdicts, distributed by execution_id and co-located with the runs: a verdict lives
--     in the same shard (and node) as its run, so the verdict's foreign keys to its run, the
--     composite (execution_id, policy_snapshot_id) one included, are checked on that node.
--
-- Run on the coordinator, as a superuser, in the database where CREATE EXTENSION afu9_policy
-- ran after the workers were registered (Citus then ran the extension's script on every node):
--   psql -v ON_ERROR_STOP=1 -f tests/scenarios/citus/distribute.sql
-- on an empty installation (the application's tables are empty, nothing was inserted yet).
-- The distribution itself is one transaction: all of it or nothing (step 1 runs on the workers
-- through their own connections; it only drops empty tables and can be run again). Steps that
-- are done already are skipped, so the script can be run twice.
--
-- Each step says which Citus restriction it works around, with the error Citus gives otherwise,
-- and the change of the extension's SQL that would make the step unnecessary. The script will
-- become a documented function of the extension; until then it lives with the scenario
-- (tests/scenarios/citus.sh). It depends only on the catalog, not on one layout of the tables:
-- it distributes the snapshot-in-the-run layout (the trigger sets policy_snapshot_id,
-- policy_version_id, policy_snapshot_taken_at/_by; verdicts reference (id, policy_snapshot_id))
-- and the earlier one (a policy_snapshot_records row per run) alike.

\set ON_ERROR_STOP 1
-- Citus reports every shard it creates and every local copy it makes at NOTICE level.
SET client_min_messages = warning;

BEGIN;
-- The extension's tables all have triggers (immutability guards, the snapshot trigger, the
-- verdict link). Without this, create_reference_table / create_distributed_table refuse them:
--   ERROR:  cannot distribute relation "policy_documents" because it has triggers
--   HINT:  Consider dropping all the triggers on "policy_documents" and retry.
-- It is needed for trigger DDL on distributed tables too (CREATE/DROP TRIGGER, ALTER TABLE
-- ENABLE/DISABLE TRIGGER: "triggers are not supported on distributed tables"), never for DML.
-- LOCAL: only this transaction; never set it for the whole database.
SET LOCAL citus.enable_unsafe_triggers = on;
-- One connection per node for everything below: DDL on a reference table after a parallel
-- access to it in the same transaction is refused otherwise.
SET LOCAL citus.multi_shard_modify_mode = sequential;

-- The runs' and verdicts' distribution columns, and the tables, in one place.
CREATE TEMP TABLE afu9_distribution (rel regclass PRIMARY KEY, column_name name NOT NULL, colocate_with regclass)
    ON COMMIT DROP;
INSERT INTO afu9_distribution VALUES
    ('public.workflow_executions', 'id', NULL),
    ('public.verdicts', 'execution_id', 'public.workflow_executions');

-- Runs a command on every worker (through its own connection, committed there at once) and
-- fails when it fails on any. pg_temp: a helper of this session, never propagated.
SET LOCAL client_min_messages = error;  -- "will be created only locally": that is the point
CREATE OR REPLACE FUNCTION pg_temp.afu9_on_workers(command text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM run_command_on_workers(command) LOOP
        IF NOT r.success THEN
            RAISE EXCEPTION 'on worker %:%: %', r.nodename, r.nodeport, r.result
                USING DETAIL = format('Command: %s', command);
        END IF;
    END LOOP;
END
$$;
SET LOCAL client_min_messages = warning;

-- Step 0. Preconditions: the coordinator, with workers, afu9_policy installed on every node in
-- the same version (CREATE EXTENSION on the coordinator is propagated by Citus: each worker ran
-- the extension's script itself), and no other table referencing the runs or verdicts: Citus
-- supports no foreign key from a local or reference table to a distributed one ("cannot create
-- foreign key constraint since foreign keys from reference tables and local tables to
-- distributed tables are not supported").
DO $$
DECLARE
    version text := (SELECT extversion FROM pg_extension WHERE extname = 'afu9_policy');
    odd text;
BEGIN
    IF NOT citus_is_coordinator() THEN
        RAISE EXCEPTION 'afu9_policy is distributed from the coordinator; this node is not it';
    END IF;
    IF version IS NULL THEN
        RAISE EXCEPTION 'afu9_policy is not installed in database %', current_database();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary' AND isactive) THEN
        RAISE EXCEPTION 'no worker is registered: citus_add_node() them first';
    END IF;
    SELECT string_agg(format('%s:%s has %s', nodename, nodeport, coalesce(nullif(result, ''), 'none')), ', ') INTO odd
      FROM run_command_on_workers($w$SELECT extversion FROM pg_extension WHERE extname = 'afu9_policy'$w$)
     WHERE NOT success OR result IS DISTINCT FROM version;
    IF odd IS NOT NULL THEN
        RAISE EXCEPTION 'afu9_policy % is not on every worker: %', version, odd
            USING HINT = 'Register the workers before CREATE EXTENSION afu9_policy (or run it again after citus_add_node()).';
    END IF;
    SELECT string_agg(format('%s (%s)', conrelid::regclass, conname), ', ') INTO odd
      FROM pg_constraint
     WHERE contype = 'f' AND confrelid IN (SELECT rel FROM afu9_distribution)
       AND conrelid NOT IN (SELECT rel FROM afu9_distribution);
    IF odd IS NOT NULL THEN
        RAISE EXCEPTION 'cannot distribute the runs and verdicts: other tables reference them: %', odd;
    END IF;
END
$$;

-- Step 1. The workers' own copies of the application's tables.
-- The propagated CREATE EXTENSION ran _create_application_tables() on every worker, so each
-- worker has an (empty) public.workflow_executions and public.verdicts of its own, with the
-- extension's triggers, keys and views. create_distributed_table must create its own table of
-- that name on each worker and fails:
--   ERROR:  relation "workflow_executions" already exists
--   CONTEXT:  while executing command on 127.0.0.1:9701
-- They are dropped (with their views; Citus creates the coordinator's views on the workers when
-- it distributes the tables under them). Tables with rows are never dropped: the step fails.
-- Extension change that removes this step: _create_application_tables(),
-- _create_application_views() and _govern_application_tables() do nothing on a Citus worker
-- (to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL AND
--  (SELECT groupid FROM pg_dist_local_group) <> 0): the coordinator's tables reach the workers
-- when they are distributed.
SELECT pg_temp.afu9_on_workers($w$
DO $d$
DECLARE
    t text;
    has_rows boolean;
BEGIN
    FOREACH t IN ARRAY ARRAY['public.verdicts', 'public.workflow_executions'] LOOP
        CONTINUE WHEN to_regclass(t) IS NULL
                   OR EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass(t));
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', t) INTO has_rows;
        IF has_rows THEN
            RAISE EXCEPTION 'this worker''s own % has rows: they would be lost', t;
        END IF;
        EXECUTE format('DROP TABLE %s CASCADE', t);
    END LOOP;
END
$d$$w$);

-- Step 2. Foreign keys among the tables to convert are dropped, remembered, and added back
-- in step 6, once every table is a reference or distributed table.
-- Why: (a) create_reference_table of a table that another local table references turns that
-- one into a "Citus local" table first, which fails for a table whose identity sequence
-- belongs to the extension:
--   ERROR:  cannot drop sequence afu9_policy.policy_versions_id_seq because extension afu9_policy requires it
--   DETAIL:  When adding a foreign key from a local table to a reference table, Citus applies a conversion to all the local tables in the foreign key graph
-- (b) a distributed table may only reference reference or co-located distributed tables
-- ("referenced table "policy_snapshot_records" must be a distributed table or a reference
-- table"), and a local table may not reference a distributed one (see step 0).
-- The extension's tables are on the workers too (their copies become the "shell" tables Citus
-- keeps there): their foreign keys are dropped there as well, or adding them back, which Citus
-- propagates, fails on the worker:
--   ERROR:  constraint "policy_versions_document_hash_fkey" for relation "policy_versions" already exists
-- Extension change that removes this step: none that keeps the keys on a single server; the
-- extension's distribute function would do exactly this (drop, convert, add back).
CREATE TEMP TABLE afu9_foreign_keys ON COMMIT DROP AS
SELECT c.conrelid::regclass AS rel, c.conname, pg_get_constraintdef(c.oid) AS definition,
       c.connamespace = 'afu9_policy'::regnamespace AS on_workers_too
  FROM pg_constraint c
 WHERE c.contype = 'f'
   AND (c.conrelid IN (SELECT rel FROM afu9_distribution)
        OR c.conrelid IN (SELECT d.objid FROM pg_depend d
                           WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
                             AND d.refclassid = 'pg_extension'::regclass
                             AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy')))
   -- Keys between tables that are Citus tables already (a second run) stay.
   AND NOT (c.conrelid IN (SELECT logicalrelid FROM pg_dist_partition)
            AND c.confrelid IN (SELECT logicalrelid FROM pg_dist_partition));
DO $$
DECLARE
    fk record;
BEGIN
    FOR fk IN SELECT * FROM afu9_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
        IF fk.on_workers_too THEN
            PERFORM pg_temp.afu9_on_workers(format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', fk.rel, fk.conname));
        END IF;
    END LOOP;
END
$$;

-- Step 3. Unique keys of the runs and verdicts must contain the distribution column:
--   ERROR:  cannot create constraint on "workflow_executions"
--   DETAIL:  Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column (with an equality operator if EXCLUDE).
-- * a PRIMARY KEY without it (verdicts: PRIMARY KEY (id)) becomes PRIMARY KEY (distribution
--   column, its columns), verdicts: (execution_id, id), with a plain index on its columns for
--   lookups by id alone (audit_verdict(verdict_id)); a verdict's id is then unique because
--   gen_random_uuid() makes it so, not by a constraint;
-- * any other unique index without it (runs: idx_executions_policy_snapshot_id, UNIQUE
--   (policy_snapshot_id), "one run per snapshot") becomes a plain index of the same name, and
--   (distribution column, its columns) gets a unique index unless one exists (runs:
--   workflow_executions_id_policy_snapshot_key UNIQUE (id, policy_snapshot_id), which the
--   verdicts' composite foreign key references). That no snapshot id names two runs then rests
--   on gen_random_uuid() alone: no index can check it on Citus.
-- Extension change that removes this step: no unique index on policy_snapshot_id alone (keep
-- UNIQUE (id, policy_snapshot_id) and a plain idx_executions_policy_snapshot_id); for the
-- verdicts, the application's PRIMARY KEY (id) is the application's: the distribute function
-- has to change it, or refuse and say so.
DO $$
DECLARE
    t record;
    ix record;
    cols text;
    covered boolean;
BEGIN
    FOR t IN SELECT d.rel, d.column_name, a.attnum
               FROM afu9_distribution d JOIN pg_attribute a ON a.attrelid = d.rel AND a.attname = d.column_name
              WHERE d.rel NOT IN (SELECT logicalrelid FROM pg_dist_partition) LOOP
        FOR ix IN SELECT i.indexrelid::regclass AS name, x.relname, i.indisprimary, i.indkey::int2[] AS keys,
                         i.indexprs IS NOT NULL OR i.indpred IS NOT NULL AS special, c.conname
                    FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
                    LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                   WHERE i.indrelid = t.rel AND i.indisunique AND NOT t.attnum = ANY (i.indkey::int2[]) LOOP
            IF ix.special THEN
                RAISE EXCEPTION 'cannot distribute %: its unique index % is partial or on expressions, and lacks %',
                                t.rel, ix.name, t.column_name;
            END IF;
            SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n) INTO cols
              FROM unnest(ix.keys) WITH ORDINALITY AS k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = t.rel AND a.attnum = k.attnum;
            -- A unique index on exactly (distribution column, those columns) already?
            SELECT EXISTS (SELECT 1 FROM pg_index i
                            WHERE i.indrelid = t.rel AND i.indisunique AND i.indexprs IS NULL AND i.indpred IS NULL
                              AND i.indkey::int2[] = t.attnum || ix.keys) INTO covered;
            IF ix.indisprimary THEN
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I PRIMARY KEY (%I, %s)',
                               t.rel, ix.conname, ix.conname, t.column_name, cols);
                EXECUTE format('CREATE INDEX ON %s (%s)', t.rel, cols);
            ELSE
                IF ix.conname IS NOT NULL THEN
                    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', t.rel, ix.conname);
                ELSE
                    EXECUTE format('DROP INDEX %s', ix.name);
                END IF;
                EXECUTE format('CREATE INDEX %I ON %s (%s)', ix.relname, t.rel, cols);
                IF NOT covered THEN
                    EXECUTE format('CREATE UNIQUE INDEX ON %s (%I, %s)', t.rel, t.column_name, cols);
                END IF;
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- Step 4. The extension's tables become reference tables: every table that is a member of
-- the extension. Their triggers (immutability guards, ENABLE ALWAYS) fire once per copy, on
-- every node, and are deterministic (they only refuse), so the copies stay identical. The
-- coordinator's and workers' local rows of the tables (the seed policy v1.0.0 written by each
-- node's CREATE EXTENSION) are no longer read: the coordinator's are copied into the reference
-- table, the workers' stay behind in their shell tables, invisible.
-- Versions and activations are written on the coordinator only (publish_policy,
-- activate_policy): their identity sequences are the coordinator's.
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT c.oid::regclass FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
              WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind = 'r'
                AND d.refclassid = 'pg_extension'::regclass
                AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'afu9_policy')
                AND c.oid NOT IN (SELECT logicalrelid FROM pg_dist_partition)
              ORDER BY c.relname LOOP
        PERFORM create_reference_table(t);
    END LOOP;
END
$$;

-- Step 5. Runs distributed by id; verdicts by execution_id, co-located with the runs (same
-- shard count and hash ranges: a verdict and its run are on the same node). The snapshot
-- trigger then fires on the workers' shards. It may only read there (the policy tables are
-- reference tables, read on its own node); a write to another table, such as the earlier
-- layout's INSERT into policy_snapshot_records, fails:
--   ERROR:  cannot execute a distributed query from a query on a shard
-- The verdict link trigger reads the verdict's run in the co-located shard: Citus allows that
-- one read inside a trigger (a local task).
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT d.* FROM afu9_distribution d
              WHERE d.rel NOT IN (SELECT logicalrelid FROM pg_dist_partition)
              ORDER BY d.colocate_with NULLS FIRST LOOP
        PERFORM create_distributed_table(t.rel, t.column_name,
                                         colocate_with => coalesce(t.colocate_with::text, 'default'));
    END LOOP;
END
$$;

-- Step 6. The foreign keys of step 2, back; Citus checks each on the node of the referencing
-- row: reference to reference (policy versions to documents, activations to versions),
-- verdict to its co-located run (execution_id; the composite (execution_id, policy_snapshot_id)
-- to the run's (id, policy_snapshot_id), the distribution column first on both sides), run or
-- verdict to a reference table. Not possible on Citus, and refused here: ON UPDATE CASCADE/SET
-- NULL/SET DEFAULT on a key with the distribution column ("SET NULL, SET DEFAULT or CASCADE is
-- not supported in ON UPDATE operation when distribution key included in the foreign
-- constraint"), keys from a reference table to a distributed one.
-- The composite key is added if the extension did not make it (the earlier layout): it is what
-- keeps a verdict on its run's snapshot now that the link trigger's check may be bypassed.
DO $$
DECLARE
    fk record;
    run_key int2[] := ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = 'public.workflow_executions'::regclass AND attname = 'id'),
                            (SELECT attnum FROM pg_attribute WHERE attrelid = 'public.workflow_executions'::regclass AND attname = 'policy_snapshot_id')];
BEGIN
    FOR fk IN SELECT * FROM afu9_foreign_keys ORDER BY on_workers_too DESC, rel::text, conname LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.rel, fk.conname, fk.definition);
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint c
                    WHERE c.conrelid = 'public.verdicts'::regclass AND c.contype = 'f'
                      AND c.confrelid = 'public.workflow_executions'::regclass AND c.confkey = run_key) THEN
        IF NOT EXISTS (SELECT 1 FROM pg_index i
                        WHERE i.indrelid = 'public.workflow_executions'::regclass AND i.indisunique
                          AND i.indexprs IS NULL AND i.indpred IS NULL AND i.indkey::int2[] = run_key) THEN
            CREATE UNIQUE INDEX workflow_executions_id_policy_snapshot_key
                ON public.workflow_executions (id, policy_snapshot_id);
        END IF;
        ALTER TABLE public.verdicts ADD CONSTRAINT verdicts_run_policy_snapshot_fkey
            FOREIGN KEY (execution_id, policy_snapshot_id) REFERENCES public.workflow_executions (id, policy_snapshot_id)
            ON DELETE CASCADE;
    END IF;
END
$$;

COMMIT;

-- What was made: every table of the extension a reference table, runs and verdicts hash
-- distributed in one co-location group.
SELECT (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = p.logicalrelid) AS "table",
       CASE partmethod WHEN 'n' THEN 'reference' WHEN 'h' THEN 'distributed by ' || column_to_column_name(logicalrelid, partkey) END AS kind,
       colocationid AS colocation,
       (SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid) AS shards
  FROM pg_dist_partition p
 ORDER BY partmethod DESC, logicalrelid::text;
