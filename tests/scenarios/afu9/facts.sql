-- Fingerprint of the AFU-9 fixture's data and shape (run with psql -X -At). Compared before and
-- after CREATE EXTENSION and across pg_dump/pg_restore, so it names the fixture's columns and
-- objects explicitly: anything an extension adds (columns, triggers, indexes, rows in its own
-- tables) does not change the output, anything of the app that changes or goes missing does.

WITH rows_ AS (
    SELECT 'workflow_executions' AS t, count(*) AS n, md5(coalesce(string_agg(row(
               id, workflow_id, repository_id, status, input, output, context, started_at, completed_at,
               error, triggered_by, github_run_id, created_at, updated_at, policy_snapshot_id,
               pause_metadata)::text, E'\n' ORDER BY id), '')) AS h
      FROM workflow_executions
    UNION ALL
    SELECT 'verdicts', count(*), md5(coalesce(string_agg(row(
               id, execution_id, policy_snapshot_id, fingerprint_id, error_class, service,
               confidence_score, proposed_action, tokens, signals, playbook_id, created_at, metadata,
               verdict_type)::text, E'\n' ORDER BY id), ''))
      FROM verdicts
    UNION ALL
    SELECT 'policy_snapshots', count(*), md5(coalesce(string_agg(row(
               id, version, policies, created_at, metadata)::text, E'\n' ORDER BY id), ''))
      FROM policy_snapshots
    UNION ALL
    SELECT 'verdict_audit_log', count(*), md5(coalesce(string_agg(row(
               id, verdict_id, event_type, event_data, created_at, created_by)::text, E'\n' ORDER BY id), ''))
      FROM verdict_audit_log
    UNION ALL
    SELECT 'verdict_outcomes', count(*), md5(coalesce(string_agg(row(
               id, verdict_id, execution_id, outcome, outcome_reason, decided_by, decided_at, metadata,
               created_at)::text, E'\n' ORDER BY id), ''))
      FROM verdict_outcomes
    UNION ALL
    SELECT 'workflow_steps', count(*), md5(coalesce(string_agg(row(
               id, execution_id, step_name, step_index, status, input, output, started_at, completed_at,
               duration_ms, error, retry_count, created_at, updated_at)::text, E'\n' ORDER BY id), ''))
      FROM workflow_steps
    UNION ALL
    SELECT 'kpi_snapshots', count(*), md5(coalesce(string_agg(row(
               id, kpi_name, kpi_version, level, scope_id, value, unit, metadata, calculated_at,
               period_start, period_end, created_at)::text, E'\n' ORDER BY id), ''))
      FROM kpi_snapshots
),
fixture_cols(t, cols) AS (VALUES
    ('workflow_executions', '{id,workflow_id,repository_id,status,input,output,context,started_at,completed_at,error,triggered_by,github_run_id,created_at,updated_at,policy_snapshot_id,pause_metadata}'::text[]),
    ('verdicts', '{id,execution_id,policy_snapshot_id,fingerprint_id,error_class,service,confidence_score,proposed_action,tokens,signals,playbook_id,created_at,metadata,verdict_type}'),
    ('policy_snapshots', '{id,version,policies,created_at,metadata}')
),
lines(section, key, line) AS (
    SELECT 1, t, 'rows ' || t || ' ' || n || ' ' || h FROM rows_
    UNION ALL
    -- Types and nullability; the app's INSERTs depend on both.
    SELECT 2, fc.t, 'columns ' || fc.t || ' ' || string_agg(
               c.column_name || ':' || CASE c.data_type WHEN 'ARRAY' THEN c.udt_name ELSE c.data_type END
               || coalesce('(' || c.character_maximum_length || ')', '')
               || CASE c.is_nullable WHEN 'NO' THEN ' not null' ELSE '' END,
               ', ' ORDER BY c.ordinal_position)
      FROM fixture_cols fc
      JOIN information_schema.columns c
        ON c.table_schema = 'public' AND c.table_name = fc.t AND c.column_name = ANY (fc.cols)
     GROUP BY fc.t
    UNION ALL
    -- The app's triggers, by name: they must survive, stay enabled (O) and keep their function.
    SELECT 3, tg.tgname, 'trigger workflow_executions ' || tg.tgname || ' ' || tg.tgenabled::text || ' '
               || tg.tgfoid::regproc
      FROM pg_trigger tg
     WHERE tg.tgrelid = 'public.workflow_executions'::regclass
       AND tg.tgname IN ('update_workflow_executions_updated_at', 'trigger_create_run_kpi_snapshot')
    UNION ALL
    -- The app's constraints on the three core tables and the FKs of their neighbours. Deparsed
    -- varchar IN-lists change form across dump/restore ((ARRAY[..])::text[] vs ARRAY[(..)::text]),
    -- so definitions (here and for indexes) are compared without casts and parentheses.
    SELECT 4, con.conrelid::regclass || '.' || con.conname,
           'constraint ' || con.conrelid::regclass || ' ' || con.conname || ' '
               || regexp_replace(regexp_replace(pg_get_constraintdef(con.oid),
                                 '::[a-z ]+(\[\])?|[()]', '', 'g'), '\s+', ' ', 'g')
               || CASE WHEN con.convalidated THEN '' ELSE ' NOT VALID' END
      FROM pg_constraint con
     WHERE (con.conrelid IN ('public.workflow_executions'::regclass, 'public.verdicts'::regclass,
                             'public.policy_snapshots'::regclass)
            AND con.conname IN ('workflow_executions_pkey', 'workflow_executions_workflow_id_fkey',
                                'workflow_executions_policy_snapshot_id_fkey', 'chk_execution_status',
                                'verdicts_pkey', 'verdicts_execution_id_fkey', 'verdicts_policy_snapshot_id_fkey',
                                'chk_confidence_score', 'chk_proposed_action', 'chk_verdict_type',
                                'policy_snapshots_pkey'))
        OR (con.contype = 'f'
            AND con.conrelid IN ('public.workflow_steps'::regclass, 'public.verdict_outcomes'::regclass,
                                 'public.verdict_audit_log'::regclass))
    UNION ALL
    -- The app's indexes on the three core tables, with their definitions and validity.
    SELECT 5, ic.relname, 'index ' || ic.relname || ' ' || i.indisvalid || ' '
               || regexp_replace(regexp_replace(pg_get_indexdef(i.indexrelid),
                                 '::[a-z ]+(\[\])?|[()]', '', 'g'), '\s+', ' ', 'g')
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid IN ('public.workflow_executions'::regclass, 'public.verdicts'::regclass,
                          'public.policy_snapshots'::regclass)
       AND (ic.relname LIKE 'idx\_executions\_%' OR ic.relname LIKE 'idx\_verdicts\_%'
            OR ic.relname LIKE 'idx\_policy\_snapshots\_%' OR ic.relname IN
               ('workflow_executions_pkey', 'verdicts_pkey', 'policy_snapshots_pkey'))
    UNION ALL
    -- The app's views still answer (a dropped or broken view makes this query fail).
    SELECT 6, 'a', 'view executions_with_policy ' || count(*) FROM executions_with_policy
    UNION ALL
    SELECT 6, 'b', 'view verdicts_with_policy ' || count(*) FROM verdicts_with_policy
    UNION ALL
    SELECT 6, 'c', 'view verdict_statistics ' || count(*) FROM verdict_statistics
    UNION ALL
    SELECT 6, 'd', 'view verdict_type_summary ' || count(*) FROM verdict_type_summary
    UNION ALL
    SELECT 6, 'e', 'matview mv_factory_kpis_24h ' || count(*) FROM mv_factory_kpis_24h
)
SELECT line FROM lines ORDER BY section, key COLLATE "C";
