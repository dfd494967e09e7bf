-- The application's tables: AFU-9's runs (public.workflow_executions), verdicts (public.verdicts)
-- and, where AFU-9 made one, its policy_snapshots table. They are the application's, never the
-- extension's: its migrations alter them and pg_dump keeps every column. The extension creates
-- them where they are missing (a fresh database), then governs them: its triggers, foreign keys
-- to its snapshot store, and indexes for its KPIs. Nothing here runs code the tables' owner
-- wrote: no row of theirs is written, no table of theirs rewritten (only catalog changes and
-- plain reads), since this runs as the extension's owner.

-- A fresh database: the AFU-9 design's runs and verdicts, owned by whoever installed the
-- extension. Not run when restoring a dump (row_security = off), which brings them.
CREATE OR REPLACE FUNCTION _create_application_tables() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    installer text := (SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'afu9_policy');
BEGIN
    IF to_regclass('public.workflow_executions') IS NULL THEN
        CREATE TABLE public.workflow_executions (
            id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            workflow_id        text,
            status             text NOT NULL DEFAULT 'pending'
                               CONSTRAINT workflow_executions_status_check
                               CHECK (status IN ('pending', 'running', 'paused', 'completed', 'failed', 'cancelled')),
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
            policy_snapshot_id uuid,
            pause_metadata     jsonb
        );
        -- The snapshot columns (policy_version_id, policy_snapshot_taken_at, _by) are added by
        -- _govern_application_tables(), as to an AFU-9 table.
        COMMENT ON TABLE public.workflow_executions IS
            'AFU-9 workflow runs. Each inserted run is given its own snapshot of the active policy by the take_policy_snapshot trigger, in the same statement.';
        COMMENT ON COLUMN public.workflow_executions.id IS 'Run id.';
        COMMENT ON COLUMN public.workflow_executions.workflow_id IS 'The workflow this run executes.';
        COMMENT ON COLUMN public.workflow_executions.status IS 'pending, running, paused, completed, failed or cancelled.';
        COMMENT ON COLUMN public.workflow_executions.input IS 'Input of the run.';
        COMMENT ON COLUMN public.workflow_executions.output IS 'Output of the run.';
        COMMENT ON COLUMN public.workflow_executions.context IS 'Execution context.';
        COMMENT ON COLUMN public.workflow_executions.started_at IS 'When the run started.';
        COMMENT ON COLUMN public.workflow_executions.completed_at IS 'When the run completed or failed.';
        COMMENT ON COLUMN public.workflow_executions.error IS 'Error message of a failed run.';
        COMMENT ON COLUMN public.workflow_executions.triggered_by IS 'Who or what started the run.';
        COMMENT ON COLUMN public.workflow_executions.github_run_id IS 'GitHub Actions run id, when there is one.';
        COMMENT ON COLUMN public.workflow_executions.repository_id IS 'Repository the run belongs to.';
        COMMENT ON COLUMN public.workflow_executions.created_at IS 'When the row was inserted.';
        COMMENT ON COLUMN public.workflow_executions.updated_at IS 'When the row was last updated (kept by a trigger).';
        COMMENT ON COLUMN public.workflow_executions.pause_metadata IS
            'Why and by whom a run was paused, resumed or aborted, as AFU-9 records it (pausedAt, pausedBy, reason, abortMetadata, resumedAt).';
        COMMENT ON COLUMN public.workflow_executions.policy_snapshot_id IS
            'The id of the policy snapshot taken for this run at insert; set by the database, never changed afterwards (NULL only if it could not be taken in warn mode).';
        ALTER EXTENSION afu9_policy DROP TABLE public.workflow_executions;
        EXECUTE format('ALTER TABLE public.workflow_executions OWNER TO %s', installer);
    END IF;

    IF to_regclass('public.verdicts') IS NULL THEN
        CREATE TABLE public.verdicts (
            id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            execution_id       uuid NOT NULL REFERENCES public.workflow_executions (id) ON DELETE CASCADE,
            policy_snapshot_id uuid,
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
            metadata           jsonb DEFAULT '{}',
            ledger_seq         bigint NOT NULL DEFAULT nextval('afu9_policy.verdict_ledger_seq')
        );
        COMMENT ON TABLE public.verdicts IS
            'Verdicts on failed runs, each linked to its run''s policy snapshot (filled in when omitted, checked when given). Immutable: UPDATE and TRUNCATE are rejected.';
        COMMENT ON COLUMN public.verdicts.id IS 'Verdict id.';
        COMMENT ON COLUMN public.verdicts.execution_id IS 'The run judged (deleting the run deletes its verdicts).';
        COMMENT ON COLUMN public.verdicts.policy_snapshot_id IS 'The run''s policy snapshot; a snapshot referenced here cannot be deleted.';
        COMMENT ON COLUMN public.verdicts.fingerprint_id IS 'Fingerprint of the failure (32 hex digits of SHA-256).';
        COMMENT ON COLUMN public.verdicts.error_class IS 'Error class, such as CFN_ROLLBACK_LOCK or UNKNOWN.';
        COMMENT ON COLUMN public.verdicts.service IS 'Service the failure belongs to.';
        COMMENT ON COLUMN public.verdicts.confidence_score IS 'Confidence, 0..100.';
        COMMENT ON COLUMN public.verdicts.proposed_action IS 'WAIT_AND_RETRY, OPEN_ISSUE or HUMAN_REQUIRED.';
        COMMENT ON COLUMN public.verdicts.verdict_type IS 'APPROVED, REJECTED, DEFERRED, ESCALATED, WARNING, BLOCKED or PENDING.';
        COMMENT ON COLUMN public.verdicts.tokens IS 'Descriptive tokens of the failure.';
        COMMENT ON COLUMN public.verdicts.signals IS 'The failure signals the verdict was computed from.';
        COMMENT ON COLUMN public.verdicts.playbook_id IS 'Playbook proposed.';
        COMMENT ON COLUMN public.verdicts.created_at IS 'When the verdict was stored.';
        COMMENT ON COLUMN public.verdicts.metadata IS 'Free-form metadata; AFU-9 may store NULL.';
        COMMENT ON COLUMN public.verdicts.ledger_seq IS 'Insertion order, which the tamper-evident ledger chains in.';
        ALTER EXTENSION afu9_policy DROP TABLE public.verdicts;
        EXECUTE format('ALTER TABLE public.verdicts OWNER TO %s', installer);
    END IF;
END
$$;
COMMENT ON FUNCTION _create_application_tables() IS
    'Internal, install only: creates the AFU-9 runs and verdicts tables in public where they are missing, owned by the installer, not by the extension.';

-- The AFU-9 design's views, beside a fresh database's tables. An AFU-9 database has its own.
CREATE OR REPLACE FUNCTION _create_application_views() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    installer text := (SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'afu9_policy');
    created text[] := '{}';
    view_name text;
BEGIN
    IF to_regclass('public.policy_snapshots') IS NULL THEN
        EXECUTE 'CREATE VIEW public.policy_snapshots AS ' || afu9_policy._policy_snapshots_query();
        COMMENT ON VIEW public.policy_snapshots IS
            'Immutable policy snapshots, one per run, each with the complete policy that applied. UPDATE is rejected (SQLSTATE 23001); INSERT stores a snapshot with its document stored once (for a run that has one already: the same policy links to it, another is refused); DELETE fails while a verdict references the snapshot.';
        COMMENT ON COLUMN public.policy_snapshots.id IS 'Snapshot id.';
        COMMENT ON COLUMN public.policy_snapshots.version IS 'Policy version (vMAJOR.MINOR.PATCH).';
        COMMENT ON COLUMN public.policy_snapshots.policies IS 'The complete policy that applied: every rule, pattern and playbook.';
        COMMENT ON COLUMN public.policy_snapshots.created_at IS 'When the snapshot was taken.';
        COMMENT ON COLUMN public.policy_snapshots.metadata IS 'Creation context: execution_id, created_by, created_at, and experiment, experiment_arm, experiment_allocation_id when an experiment chose the version (or the metadata given on a direct insert).';
        COMMENT ON COLUMN public.policy_snapshots.policy_hash IS 'SHA-256 of the policy document as it was snapshotted.';
        -- Rules, not INSTEAD OF triggers: with session_replication_role = replica a view trigger
        -- is skipped silently (the statement "succeeds" doing nothing), a skipped rule leaves the
        -- view not updatable, so PostgreSQL refuses the statement. The same policy for a run that
        -- has its snapshot already returns that snapshot (the no-op DO UPDATE is what RETURNING
        -- needs); legacy_snapshot_link() refuses a different one.
        CREATE RULE policy_snapshots_insert AS ON INSERT TO public.policy_snapshots DO INSTEAD
            INSERT INTO afu9_policy.policy_snapshot_records AS r (id, version, document_hash, created_at, metadata, execution_id)
            SELECT coalesce(l.snapshot_id, NEW.id, gen_random_uuid()), NEW.version,
                   afu9_policy.store_policy_document(NEW.policies), coalesce(NEW.created_at, now()), NEW.metadata, l.run_id
              FROM afu9_policy.legacy_snapshot_link(NEW.id, NEW.policies, NEW.metadata) l
            ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
            RETURNING r.id, r.version::text, afu9_policy.policy_document(r.document_hash), r.created_at,
                      coalesce(r.metadata, afu9_policy.snapshot_metadata(r.execution_id, r.created_by, r.created_at)),
                      r.document_hash;
        CREATE RULE policy_snapshots_update AS ON UPDATE TO public.policy_snapshots DO INSTEAD
            SELECT afu9_policy.raise_immutable('UPDATE', 'policy_snapshots', 'policy snapshots');
        -- The guard on policy_snapshot_records and the foreign keys decide.
        CREATE RULE policy_snapshots_delete AS ON DELETE TO public.policy_snapshots DO INSTEAD
            DELETE FROM afu9_policy.policy_snapshot_records WHERE id = OLD.id
            RETURNING id, version::text, afu9_policy.policy_document(document_hash), created_at,
                      coalesce(metadata, afu9_policy.snapshot_metadata(execution_id, created_by, created_at)), document_hash;
        COMMENT ON RULE policy_snapshots_insert ON public.policy_snapshots IS 'A snapshot inserted directly: its document is stored once, by hash.';
        COMMENT ON RULE policy_snapshots_update ON public.policy_snapshots IS 'Snapshots are immutable (23001).';
        COMMENT ON RULE policy_snapshots_delete ON public.policy_snapshots IS 'Deletes the snapshot row; refused while a verdict references it.';
        ALTER EXTENSION afu9_policy DROP VIEW public.policy_snapshots;
        created := created || 'policy_snapshots'::text;
    END IF;

    IF to_regclass('public.executions_with_policy') IS NULL THEN
        CREATE VIEW public.executions_with_policy AS
        SELECT e.*, s.version AS policy_version, s.policies AS policy_definition, s.created_at AS policy_created_at
          FROM public.workflow_executions e
          LEFT JOIN public.policy_snapshots s ON s.id = e.policy_snapshot_id;
        COMMENT ON VIEW public.executions_with_policy IS
            'Every run with the version, full definition and time of its policy snapshot.';
        ALTER EXTENSION afu9_policy DROP VIEW public.executions_with_policy;
        created := created || 'executions_with_policy'::text;
    END IF;

    IF to_regclass('public.verdicts_with_policy') IS NULL THEN
        CREATE VIEW public.verdicts_with_policy AS
        SELECT v.*, s.version AS policy_version, s.policies AS policy_definition, s.created_at AS policy_created_at,
               e.status AS execution_status, e.policy_snapshot_id AS execution_policy_snapshot_id
          FROM public.verdicts v
          LEFT JOIN public.policy_snapshots s ON s.id = v.policy_snapshot_id
          LEFT JOIN public.workflow_executions e ON e.id = v.execution_id;
        COMMENT ON VIEW public.verdicts_with_policy IS
            'Every verdict with the version, full definition and time of its policy snapshot, and its run''s status and snapshot.';
        ALTER EXTENSION afu9_policy DROP VIEW public.verdicts_with_policy;
        created := created || 'verdicts_with_policy'::text;
    END IF;

    IF to_regclass('public.verdict_statistics') IS NULL THEN
        CREATE VIEW public.verdict_statistics AS
        SELECT error_class, service, count(*) AS verdicts, round(avg(confidence_score), 2) AS avg_confidence,
               min(confidence_score) AS min_confidence, max(confidence_score) AS max_confidence,
               mode() WITHIN GROUP (ORDER BY proposed_action) AS most_common_action,
               count(DISTINCT execution_id) AS affected_executions
          FROM public.verdicts
         GROUP BY error_class, service;
        COMMENT ON VIEW public.verdict_statistics IS
            'Per error class and service: verdicts, average/min/max confidence, most common proposed action (ties: alphabetical first), affected runs.';
        ALTER EXTENSION afu9_policy DROP VIEW public.verdict_statistics;
        created := created || 'verdict_statistics'::text;
    END IF;

    FOREACH view_name IN ARRAY created LOOP
        EXECUTE format('ALTER VIEW public.%I OWNER TO %s', view_name, installer);
    END LOOP;
    -- policy_snapshots' rules write the snapshot store with its owner's rights (access.sql grants them).
END
$$;
COMMENT ON FUNCTION _create_application_views() IS
    'Internal: creates the AFU-9 design''s views in public (policy_snapshots, executions_with_policy, verdicts_with_policy, verdict_statistics) where missing, owned by the installer, not by the extension.';

-- The tables the extension governs (and custody hands over): the runs, the verdicts and, where
-- AFU-9 made one, its policy_snapshots table (a fresh database's policy_snapshots is a view).
CREATE OR REPLACE FUNCTION _governed_tables() RETURNS SETOF regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    SELECT c.oid::regclass FROM pg_class c
     WHERE c.oid IN (to_regclass('public.workflow_executions'), to_regclass('public.verdicts'))
        OR (c.oid = to_regclass('public.policy_snapshots') AND c.relkind = 'r')
$$;
COMMENT ON FUNCTION _governed_tables() IS
    'Internal: the application''s tables the extension governs: workflow_executions, verdicts and AFU-9''s policy_snapshots table where there is one.';

-- Why a governed table cannot be taken over: its shape, or its owner.
CREATE OR REPLACE FUNCTION _check_application_table(rel regclass, required text[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    installer oid := (SELECT extowner FROM pg_extension WHERE extname = 'afu9_policy');
    c record;
    problems text[] := '{}';
    need text;
BEGIN
    SELECT relkind, relowner INTO c FROM pg_class WHERE oid = rel;
    IF c.relkind <> 'r' THEN
        RAISE EXCEPTION 'cannot govern %: it is not a plain table', rel
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'afu9_policy governs AFU-9''s tables in schema public; partitioned tables, views and foreign tables are not supported.';
    END IF;
    -- Governing adds triggers and constraints to the table: only its owner may have them added.
    IF NOT pg_has_role(installer, c.relowner, 'USAGE')
       AND c.relowner IS DISTINCT FROM (SELECT oid FROM pg_roles WHERE rolname = 'afu9_policy_custodian') THEN
        RAISE EXCEPTION 'cannot govern %: it is owned by %, and % installs afu9_policy', rel, c.relowner::regrole, installer::regrole
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Install the extension as the role that owns the application''s tables (or a member of it).';
    END IF;
    -- name:type pairs; types compared by name (varchar and text are both accepted as text).
    FOREACH need IN ARRAY required LOOP
        IF NOT EXISTS (
            SELECT 1 FROM pg_attribute a
             WHERE a.attrelid = rel AND a.attname = split_part(need, ':', 1) AND NOT a.attisdropped AND a.attnum > 0
               AND (split_part(need, ':', 2) = ''
                    OR format_type(a.atttypid, NULL) = ANY (string_to_array(split_part(need, ':', 2), '|')))
        ) THEN
            problems := problems || need;
        END IF;
    END LOOP;
    IF cardinality(problems) > 0 THEN
        RAISE EXCEPTION 'cannot govern %: it lacks the column(s) % (name:type)', rel, array_to_string(problems, ', ')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Apply the application''s migrations that add them (AFU-9: 001 to 012) before CREATE EXTENSION afu9_policy.';
    END IF;
END
$$;
COMMENT ON FUNCTION _check_application_table(regclass, text[]) IS
    'Internal: refuses (42809, 42501, 55000) to govern a relation that is not a plain table owned by the installer (or a role it is a member of) with the columns given as name:type.';

-- Governing, idempotent: install, update and adoption all end here.
CREATE OR REPLACE FUNCTION _govern_application_tables() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    -- AFU-9's own policy_snapshots table, where there is one (a fresh database's is a view).
    snapshots regclass := (SELECT t FROM afu9_policy._governed_tables() t WHERE t = to_regclass('public.policy_snapshots'));
    fk record;
BEGIN
    IF to_regclass('public.workflow_executions') IS NULL THEN
        RETURN;  -- a restore: the dump brings the tables, their triggers and constraints
    END IF;
    PERFORM afu9_policy._check_application_table('public.workflow_executions',
        ARRAY['id:uuid', 'repository_id:uuid', 'policy_snapshot_id:uuid',
              'created_at:timestamp with time zone|timestamp without time zone',
              'started_at:timestamp with time zone|timestamp without time zone',
              'completed_at:timestamp with time zone|timestamp without time zone',
              'updated_at:timestamp with time zone|timestamp without time zone',
              'status', 'workflow_id', 'error', 'triggered_by', 'output']);
    PERFORM afu9_policy._check_application_table('public.verdicts',
        ARRAY['id:uuid', 'execution_id:uuid', 'policy_snapshot_id:uuid',
              'created_at:timestamp with time zone|timestamp without time zone',
              'fingerprint_id', 'error_class', 'service', 'confidence_score', 'proposed_action', 'verdict_type',
              'tokens', 'signals', 'playbook_id', 'metadata']);

    -- AFU-9's own snapshots: a copy of each goes into the snapshot store (same id, its document
    -- as it is), which the runs' and verdicts' links then reference.
    IF snapshots IS NOT NULL THEN
        PERFORM afu9_policy._check_application_table(snapshots,
            ARRAY['id:uuid', 'version', 'policies:jsonb', 'metadata:jsonb',
                  'created_at:timestamp with time zone|timestamp without time zone']);
        PERFORM afu9_policy._adopt_policy_snapshots();
    END IF;

    -- The snapshot in the run's own row (the id is the application's column). Added without a
    -- rewrite: runs stored before keep their snapshot in the snapshot store, or none.
    ALTER TABLE public.workflow_executions ADD COLUMN IF NOT EXISTS policy_version_id bigint,
        ADD COLUMN IF NOT EXISTS policy_snapshot_taken_at timestamptz,
        ADD COLUMN IF NOT EXISTS policy_snapshot_taken_by text,
        ADD COLUMN IF NOT EXISTS policy_experiment_arm_id bigint;
    COMMENT ON COLUMN public.workflow_executions.policy_version_id IS
        'afu9_policy: the policy version (afu9_policy.policy_versions.id, which names its document by hash) of the snapshot taken for this run; NULL for a snapshot stored apart (adopted, or from before 0.3.0).';
    COMMENT ON COLUMN public.workflow_executions.policy_snapshot_taken_at IS 'afu9_policy: when the run''s snapshot was taken.';
    COMMENT ON COLUMN public.workflow_executions.policy_snapshot_taken_by IS 'afu9_policy: the role whose statement took it (acting_role()).';
    COMMENT ON COLUMN public.workflow_executions.policy_experiment_arm_id IS
        'afu9_policy: the experiment arm (afu9_policy.policy_experiment_arms.id) that chose the snapshot''s version; NULL when no experiment ran for the run''s scope.';

    -- A snapshot id is a run's (in its row) or the snapshot store's: no foreign key can say
    -- both, so the guards keep the links (AFU-9's keys pointed at its own table). A verdict's
    -- link is declarative: its (run, snapshot) must be a run's.
    FOR fk IN
        SELECT c.conname, c.conrelid::regclass AS rel
          FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
         WHERE c.contype = 'f' AND c.conrelid IN ('public.workflow_executions'::regclass, 'public.verdicts'::regclass)
           AND a.attname = 'policy_snapshot_id' AND cardinality(c.conkey) = 1
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
    END LOOP;
    CREATE UNIQUE INDEX IF NOT EXISTS workflow_executions_id_policy_snapshot_key
        ON public.workflow_executions (id, policy_snapshot_id);
    PERFORM afu9_policy._link_verdicts_to_runs();

    -- Insertion order for the ledger. Added without a rewrite: verdicts stored before have none
    -- and are sealed at adoption.
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'public.verdicts'::regclass
                      AND attname = 'ledger_seq' AND NOT attisdropped) THEN
        ALTER TABLE public.verdicts ADD COLUMN ledger_seq bigint;
        COMMENT ON COLUMN public.verdicts.ledger_seq IS 'Insertion order, which the tamper-evident ledger chains in (NULL: stored before afu9_policy governed the table).';
    END IF;
    ALTER TABLE public.verdicts ALTER COLUMN ledger_seq SET DEFAULT nextval('afu9_policy.verdict_ledger_seq');
    -- Verdicts numbered by an earlier installation (dropped since) keep their numbers: go on after them.
    PERFORM setval('afu9_policy.verdict_ledger_seq', m) FROM (SELECT max(ledger_seq) AS m FROM ONLY public.verdicts) t
      WHERE m >= (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM afu9_policy.verdict_ledger_seq);

    -- One run per snapshot, and the indexes policy_kpis reads.
    -- The design's name; AFU-9 has a plain index of that name, and gets a unique one beside it.
    CREATE UNIQUE INDEX IF NOT EXISTS idx_executions_policy_snapshot_id ON public.workflow_executions (policy_snapshot_id);
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = 'public.workflow_executions'::regclass AND i.indisunique AND i.indnatts = 1
                      AND a.attname = 'policy_snapshot_id' AND i.indpred IS NULL) THEN
        CREATE UNIQUE INDEX workflow_executions_policy_snapshot_key ON public.workflow_executions (policy_snapshot_id);
    END IF;
    CREATE INDEX IF NOT EXISTS idx_executions_created_at ON public.workflow_executions (created_at);
    CREATE INDEX IF NOT EXISTS idx_executions_without_snapshot ON public.workflow_executions (created_at) WHERE policy_snapshot_id IS NULL;
    CREATE INDEX IF NOT EXISTS idx_verdicts_execution_id ON public.verdicts (execution_id);
    CREATE INDEX IF NOT EXISTS idx_verdicts_policy_snapshot_id ON public.verdicts (policy_snapshot_id);
    CREATE INDEX IF NOT EXISTS idx_verdicts_created_at ON public.verdicts (created_at);
    CREATE INDEX IF NOT EXISTS idx_verdicts_without_snapshot ON public.verdicts (created_at) WHERE policy_snapshot_id IS NULL;
    CREATE INDEX IF NOT EXISTS idx_verdicts_fingerprint_id ON public.verdicts (fingerprint_id);

    -- The guards, ENABLE ALWAYS so that session_replication_role = replica does not switch them off.
    CREATE OR REPLACE TRIGGER take_policy_snapshot BEFORE INSERT ON public.workflow_executions
        FOR EACH ROW EXECUTE FUNCTION afu9_policy.take_policy_snapshot();
    CREATE OR REPLACE TRIGGER guard_execution_update BEFORE UPDATE ON public.workflow_executions
        FOR EACH ROW EXECUTE FUNCTION afu9_policy.guard_execution_update();
    ALTER TABLE public.workflow_executions ENABLE ALWAYS TRIGGER take_policy_snapshot;
    ALTER TABLE public.workflow_executions ENABLE ALWAYS TRIGGER guard_execution_update;
    COMMENT ON TRIGGER take_policy_snapshot ON public.workflow_executions IS 'afu9_policy: gives each inserted run its own snapshot of the active policy.';
    COMMENT ON TRIGGER guard_execution_update ON public.workflow_executions IS 'afu9_policy: keeps a run''s snapshot link and its updated_at.';

    CREATE OR REPLACE TRIGGER link_verdict_to_snapshot BEFORE INSERT ON public.verdicts
        FOR EACH ROW EXECUTE FUNCTION afu9_policy.link_verdict_to_snapshot();
    CREATE OR REPLACE TRIGGER verdicts_reject_update BEFORE UPDATE ON public.verdicts
        FOR EACH ROW EXECUTE FUNCTION afu9_policy.reject_change('verdicts');
    CREATE OR REPLACE TRIGGER verdicts_reject_truncate BEFORE TRUNCATE ON public.verdicts
        FOR EACH STATEMENT EXECUTE FUNCTION afu9_policy.reject_change('verdicts');
    ALTER TABLE public.verdicts ENABLE ALWAYS TRIGGER link_verdict_to_snapshot;
    ALTER TABLE public.verdicts ENABLE ALWAYS TRIGGER verdicts_reject_update;
    ALTER TABLE public.verdicts ENABLE ALWAYS TRIGGER verdicts_reject_truncate;
    COMMENT ON TRIGGER link_verdict_to_snapshot ON public.verdicts IS 'afu9_policy: fills in, or checks, a verdict''s snapshot: its run''s.';
    COMMENT ON TRIGGER verdicts_reject_update ON public.verdicts IS 'afu9_policy: verdicts are immutable.';
    COMMENT ON TRIGGER verdicts_reject_truncate ON public.verdicts IS 'afu9_policy: verdicts are immutable.';

    IF snapshots IS NOT NULL THEN
        CREATE OR REPLACE TRIGGER policy_snapshots_link BEFORE INSERT ON public.policy_snapshots
            FOR EACH ROW EXECUTE FUNCTION afu9_policy.govern_snapshot_insert();
        CREATE OR REPLACE TRIGGER policy_snapshots_reject_change BEFORE UPDATE OR DELETE ON public.policy_snapshots
            FOR EACH ROW EXECUTE FUNCTION afu9_policy.reject_change('policy snapshots');
        CREATE OR REPLACE TRIGGER policy_snapshots_reject_truncate BEFORE TRUNCATE ON public.policy_snapshots
            FOR EACH STATEMENT EXECUTE FUNCTION afu9_policy.reject_change('policy snapshots');
        ALTER TABLE public.policy_snapshots ENABLE ALWAYS TRIGGER policy_snapshots_link;
        ALTER TABLE public.policy_snapshots ENABLE ALWAYS TRIGGER policy_snapshots_reject_change;
        ALTER TABLE public.policy_snapshots ENABLE ALWAYS TRIGGER policy_snapshots_reject_truncate;
        COMMENT ON TRIGGER policy_snapshots_link ON public.policy_snapshots IS
            'afu9_policy: a snapshot the application inserts for a run links to the run''s own (same policy) or is refused; any other is copied into the snapshot store.';
        COMMENT ON TRIGGER policy_snapshots_reject_change ON public.policy_snapshots IS 'afu9_policy: snapshots are immutable.';
        COMMENT ON TRIGGER policy_snapshots_reject_truncate ON public.policy_snapshots IS 'afu9_policy: snapshots are immutable.';
    END IF;
END
$$;
COMMENT ON FUNCTION _govern_application_tables() IS
    'Internal, install and update only: puts the application''s runs, verdicts and (AFU-9''s) policy_snapshots table under the extension''s guards: triggers, foreign keys to the snapshot store, KPI indexes, the verdicts'' ledger order; adopts AFU-9''s snapshots. Idempotent.';

-- A verdict's run and snapshot must be a run's: a foreign key (execution_id,
-- policy_snapshot_id) to the run's (id, policy_snapshot_id). Verdicts that AFU-9 stored with
-- another snapshot than their run's are left as they are, unchecked, with a warning: changing
-- the application's rows is not the extension's to do (the audit reports each of them).
CREATE OR REPLACE FUNCTION _link_verdicts_to_runs() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    dangling bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'verdicts_run_policy_snapshot_fkey'
                  AND conrelid = 'public.verdicts'::regclass) THEN
        RETURN;
    END IF;
    ALTER TABLE public.verdicts ADD CONSTRAINT verdicts_run_policy_snapshot_fkey
        FOREIGN KEY (execution_id, policy_snapshot_id) REFERENCES public.workflow_executions (id, policy_snapshot_id)
        ON DELETE CASCADE NOT VALID;
    SELECT count(*) INTO dangling FROM ONLY public.verdicts v
     WHERE v.execution_id IS NOT NULL AND v.policy_snapshot_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM ONLY public.workflow_executions e
                        WHERE e.id = v.execution_id AND e.policy_snapshot_id = v.policy_snapshot_id);
    IF dangling = 0 THEN
        ALTER TABLE public.verdicts VALIDATE CONSTRAINT verdicts_run_policy_snapshot_fkey;
    ELSE
        RAISE WARNING '% verdicts name a policy snapshot that is not their run''s', dangling
            USING DETAIL = 'Foreign key verdicts_run_policy_snapshot_fkey checks new verdicts only; noncompliant_verdicts lists them.',
                  HINT = 'They were stored so before afu9_policy governed the table.';
    END IF;
    COMMENT ON CONSTRAINT verdicts_run_policy_snapshot_fkey ON public.verdicts IS
        'afu9_policy: a verdict''s snapshot is its run''s.';
END
$$;
COMMENT ON FUNCTION _link_verdicts_to_runs() IS
    'Internal: adds the foreign key from a verdict''s (execution_id, policy_snapshot_id) to its run''s, validated unless verdicts stored before name another snapshot (then a warning).';

-- AFU-9's snapshot rows, oldest first, each under its own id with its own document; a row is
-- taken for the run that links to it. Reads the table only (no row of the application's is
-- written).
CREATE OR REPLACE FUNCTION _adopt_policy_snapshots() RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    bad record;
    adopted bigint;
BEGIN
    SELECT s.id, s.version INTO bad FROM public.policy_snapshots s
     WHERE s.version::text !~ '^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$'
        OR s.policies IS NULL OR jsonb_typeof(s.policies) <> 'object'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot adopt policy snapshot %: version % is not vMAJOR.MINOR.PATCH or its policies are not a JSON object',
                        bad.id, coalesce(bad.version::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO afu9_policy.policy_documents (hash, body)
    SELECT DISTINCT sha256(convert_to(s.policies::text, 'UTF8')), s.policies FROM public.policy_snapshots s
    ON CONFLICT (hash) DO NOTHING;
    INSERT INTO afu9_policy.policy_snapshot_records (id, version, document_hash, created_at, execution_id, created_by, metadata)
    SELECT s.id, s.version::text, sha256(convert_to(s.policies::text, 'UTF8')), coalesce(s.created_at, now()),
           (SELECT e.id FROM public.workflow_executions e WHERE e.policy_snapshot_id = s.id ORDER BY e.id LIMIT 1),
           coalesce(s.metadata->>'created_by', 'afu9_policy adoption'), coalesce(s.metadata, '{}'::jsonb)
      FROM public.policy_snapshots s
     WHERE NOT EXISTS (SELECT 1 FROM afu9_policy.policy_snapshot_records r WHERE r.id = s.id)
     ORDER BY s.created_at, s.id;
    GET DIAGNOSTICS adopted = ROW_COUNT;
    RETURN adopted;
END
$$;
COMMENT ON FUNCTION _adopt_policy_snapshots() IS
    'Internal: copies AFU-9''s policy_snapshots rows not yet in the snapshot store into it (same id, version, time and metadata; the document stored as it is); returns how many.';

-- The application's own snapshot-and-link (INSERT INTO policy_snapshots, then UPDATE the run):
-- for a run the database has snapshotted, the same policy is that snapshot, any other refused.
CREATE OR REPLACE FUNCTION legacy_snapshot_link(id uuid, policies jsonb, metadata jsonb,
                                               OUT snapshot_id uuid, OUT run_id uuid)
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    run_text text := metadata->>'execution_id';
    run record;
    own record;
BEGIN
    -- An explicit id, or no run named: a snapshot of its own (an id taken is refused here, since
    -- the caller's ON CONFLICT would return the other snapshot instead).
    IF legacy_snapshot_link.id IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM afu9_policy.policy_snapshot(legacy_snapshot_link.id)) THEN
            RAISE EXCEPTION 'duplicate key value violates unique constraint "policy_snapshot_records_pkey"'
                USING ERRCODE = 'unique_violation', DETAIL = format('Key (id)=(%s) already exists.', legacy_snapshot_link.id);
        END IF;
        RETURN;
    END IF;
    IF run_text IS NULL
       OR run_text !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$' THEN
        RETURN;
    END IF;
    SELECT e.id, e.policy_snapshot_id INTO run FROM public.workflow_executions e WHERE e.id = run_text::uuid;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF run.policy_snapshot_id IS NULL THEN
        run_id := run.id;  -- taken for this run: the application may link it
        RETURN;
    END IF;
    SELECT s.version, s.policy_hash AS document_hash INTO own FROM afu9_policy.policy_snapshot(run.policy_snapshot_id) s;
    IF own.document_hash = sha256(convert_to(policies::text, 'UTF8')) THEN
        snapshot_id := run.policy_snapshot_id;
        run_id := run.id;
        RETURN;
    END IF;
    RAISE EXCEPTION 'run % has policy snapshot % already (version %, policy %), and this snapshot''s policy differs (%)',
                    run.id, run.policy_snapshot_id, own.version, encode(own.document_hash, 'hex'),
                    encode(sha256(convert_to(policies::text, 'UTF8')), 'hex')
        USING ERRCODE = 'check_violation',
              HINT = 'The database snapshots every run when it is inserted: read it with afu9_policy.get_policy_snapshot_for_execution(); this INSERT and the link UPDATE after it are no longer needed.';
END
$$;
COMMENT ON FUNCTION legacy_snapshot_link(uuid, jsonb, jsonb) IS
    'For a snapshot inserted by the application naming a run in metadata.execution_id: snapshot_id is the run''s own snapshot when the policy is the same (23514 when it differs); run_id is the run, when it has that snapshot or none yet (the snapshot is taken for it). Both NULL otherwise.';

-- BEFORE INSERT on AFU-9's policy_snapshots table. Runs as the inserting role: the run is read
-- with its rights; only the copy into the snapshot store runs as the extension.
CREATE OR REPLACE FUNCTION govern_snapshot_insert() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    link record;
BEGIN
    SELECT * INTO link FROM afu9_policy.legacy_snapshot_link(NULL, NEW.policies, NEW.metadata);
    IF link.snapshot_id IS NOT NULL THEN
        NEW.id := link.snapshot_id;
    ELSE
        PERFORM afu9_policy._record_policy_snapshot(NEW.id, NEW.version::text, NEW.policies,
                                                    coalesce(NEW.created_at::timestamptz, now()), NEW.metadata, link.run_id);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION govern_snapshot_insert() IS
    'BEFORE INSERT trigger on AFU-9''s policy_snapshots table: the same policy for a run that has its snapshot takes that snapshot''s id, a different one is refused (23514), any other snapshot is copied into the snapshot store.';

CREATE OR REPLACE FUNCTION _record_policy_snapshot(id uuid, version text, policies jsonb, created_at timestamptz,
                                                   metadata jsonb, execution_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    INSERT INTO afu9_policy.policy_snapshot_records (id, version, document_hash, created_at, metadata, execution_id)
    VALUES (coalesce(_record_policy_snapshot.id, gen_random_uuid()), _record_policy_snapshot.version,
            afu9_policy.store_policy_document(policies), _record_policy_snapshot.created_at,
            _record_policy_snapshot.metadata, _record_policy_snapshot.execution_id);
END
$$;
COMMENT ON FUNCTION _record_policy_snapshot(uuid, text, jsonb, timestamptz, jsonb, uuid) IS
    'Internal: stores a snapshot the application inserted into its own policy_snapshots table in the snapshot store (writes only the extension''s tables).';
