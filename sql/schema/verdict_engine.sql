-- The verdict engine: verdicts computed inside PostgreSQL from the run's own snapshot,
-- audited by replaying them, and reported.

CREATE OR REPLACE FUNCTION generate_verdict(execution_id uuid, signals jsonb) RETURNS afu9_policy.verdict
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    run record;
    c record;
    stored afu9_policy.verdict;
BEGIN
    -- The run, and its snapshot by id (in its row, or stored apart): index lookups only.
    SELECT e.id, e.policy_snapshot_id, coalesce(pv.version, r.version)::text AS version,
           coalesce(dv.body, dr.body) AS policies
      INTO run
      FROM public.workflow_executions e
      LEFT JOIN afu9_policy.policy_versions pv ON pv.id = e.policy_version_id
      LEFT JOIN afu9_policy.policy_documents dv ON dv.hash = pv.document_hash
      LEFT JOIN afu9_policy.policy_snapshot_records r ON r.id = e.policy_snapshot_id AND e.policy_version_id IS NULL
      LEFT JOIN afu9_policy.policy_documents dr ON dr.hash = r.document_hash
     WHERE e.id = generate_verdict.execution_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cannot generate a verdict for run %: no such run', execution_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF run.policy_snapshot_id IS NULL THEN
        RAISE EXCEPTION 'cannot generate a verdict for run %: the run has no policy snapshot', execution_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Verdicts are computed from the run''s own snapshot; a run stored in warn mode has none.';
    END IF;
    -- The run's snapshot decides, not the policy active now.
    SELECT * INTO c FROM afu9_policy.classify_failure(signals, run.policies);
    INSERT INTO public.verdicts AS v
        (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score,
         proposed_action, verdict_type, tokens, signals, playbook_id, metadata)
    VALUES (run.id, run.policy_snapshot_id, c.fingerprint_id, c.error_class, c.service, c.confidence_score,
            c.proposed_action, c.verdict_type, c.tokens, signals, c.playbook_id,
            jsonb_build_object('policy_version', run.version, 'generated_by', 'generate_verdict'))
    RETURNING v.id, v.execution_id, v.policy_snapshot_id, v.fingerprint_id, v.error_class, v.service,
              v.confidence_score, v.proposed_action, v.verdict_type, v.tokens, v.signals, v.playbook_id,
              v.created_at, v.metadata, v.ledger_seq
         INTO stored;
    RETURN stored;
END
$$;
COMMENT ON FUNCTION generate_verdict(uuid, jsonb) IS
    'Classifies a failed run''s signals with the run''s own policy snapshot, stores the verdict linked to that snapshot and returns it. 23503 for an unknown run; 22023 for a run without a snapshot or malformed signals; nothing is stored on error.';

-- Many runs in one statement: one INSERT ... SELECT, each run classified with its own snapshot.
CREATE OR REPLACE FUNCTION generate_verdicts(execution_ids uuid[], signals jsonb[]) RETURNS SETOF afu9_policy.verdict
LANGUAGE plpgsql
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
DECLARE
    refused record;
BEGIN
    IF execution_ids IS NULL OR signals IS NULL THEN
        RAISE EXCEPTION 'cannot generate verdicts: execution_ids and signals must not be NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cardinality(execution_ids) <> cardinality(signals) THEN
        RAISE EXCEPTION 'cannot generate verdicts: % execution_ids for % signals', cardinality(execution_ids), cardinality(signals)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give one signals value per run, in the same order.';
    END IF;
    -- All or nothing: the first run that is unknown or has no snapshot is named, as by generate_verdict.
    SELECT i.run_id, e.id IS NULL AS unknown INTO refused
      FROM unnest(execution_ids) WITH ORDINALITY AS i(run_id, n)
      LEFT JOIN public.workflow_executions e ON e.id = i.run_id
     WHERE e.id IS NULL OR e.policy_snapshot_id IS NULL
     ORDER BY i.n LIMIT 1;
    IF FOUND AND refused.unknown THEN
        RAISE EXCEPTION 'cannot generate a verdict for run %: no such run', refused.run_id
            USING ERRCODE = 'foreign_key_violation';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'cannot generate a verdict for run %: the run has no policy snapshot', refused.run_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Verdicts are computed from the run''s own snapshot; a run stored in warn mode has none.';
    END IF;
    RETURN QUERY
    WITH stored AS (
        INSERT INTO public.verdicts AS v
            (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score,
             proposed_action, verdict_type, tokens, signals, playbook_id, metadata)
        SELECT e.id, e.policy_snapshot_id, c.fingerprint_id, c.error_class, c.service, c.confidence_score,
               c.proposed_action, c.verdict_type, c.tokens, i.signals, c.playbook_id,
               jsonb_build_object('policy_version', coalesce(pv.version, r.version), 'generated_by', 'generate_verdicts')
          -- In the select list the unnests step together without materializing 100,000s of
          -- signals first (in FROM they would be); n keeps the order given.
          FROM (SELECT unnest(execution_ids) AS run_id, unnest(signals) AS signals,
                       generate_series(1, cardinality(execution_ids)) AS n) i
          JOIN public.workflow_executions e ON e.id = i.run_id
          -- The run's snapshot by id (in its row, or stored apart), as generate_verdict finds it.
          LEFT JOIN afu9_policy.policy_versions pv ON pv.id = e.policy_version_id
          LEFT JOIN afu9_policy.policy_documents dv ON dv.hash = pv.document_hash
          LEFT JOIN afu9_policy.policy_snapshot_records r ON r.id = e.policy_snapshot_id AND e.policy_version_id IS NULL
          LEFT JOIN afu9_policy.policy_documents dr ON dr.hash = r.document_hash
         CROSS JOIN LATERAL afu9_policy.classify_failure(i.signals, coalesce(dv.body, dr.body)) c
         ORDER BY i.n
        RETURNING v.id, v.execution_id, v.policy_snapshot_id, v.fingerprint_id::text, v.error_class::text,
                  v.service::text, v.confidence_score, v.proposed_action::text, v.verdict_type::text,
                  v.tokens::text[], v.signals, v.playbook_id::text, v.created_at::timestamptz, v.metadata, v.ledger_seq
    )
    SELECT * FROM stored;
END
$$;
COMMENT ON FUNCTION generate_verdicts(uuid[], jsonb[]) IS
    'generate_verdict for many runs in one statement: execution_ids[i] with signals[i], each classified with its own snapshot; returns the stored verdicts in the order given. All or nothing: 22023 for arrays of different lengths or NULL, a run without a snapshot or malformed signals, 23503 for an unknown run (the first is named).';

CREATE OR REPLACE FUNCTION audit_verdict(v afu9_policy.verdict, s afu9_policy.policy_snapshot,
                              OUT compliant boolean, OUT policy_version text, OUT issues text[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
    -- The AFU-9 checks and the replay are one call (verdict_audit_issues), which finds the
    -- compiled document in the backend's cache instead of reading it per check.
    WITH found AS (
        SELECT afu9_policy.verdict_audit_issues(v.policy_snapshot_id, s.id, v.signals, s.policies, v.error_class,
                                                v.confidence_score, v.proposed_action, v.fingerprint_id) AS issues
    )
    SELECT cardinality(issues) = 0, s.version, issues FROM found
$$;
COMMENT ON FUNCTION audit_verdict(afu9_policy.verdict, afu9_policy.policy_snapshot) IS
    'Audits a verdict against a snapshot: the five AFU-9 checks and a replay of the classification under the snapshot (audit_verdict(uuid) and the audits also check that the snapshot is the run''s). compliant when issues is empty.';

-- The same for rows of the application's own tables (SELECT audit_verdict(v, s) FROM verdicts
-- v JOIN policy_snapshots s ...), whatever columns they have besides the design's.
CREATE OR REPLACE FUNCTION audit_verdict(v record, s record,
                              OUT compliant boolean, OUT policy_version text, OUT issues text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    SELECT a.compliant, a.policy_version, a.issues INTO compliant, policy_version, issues
      FROM afu9_policy.audit_verdict(jsonb_populate_record(NULL::afu9_policy.verdict, to_jsonb(v)),
                                     jsonb_populate_record(NULL::afu9_policy.policy_snapshot, to_jsonb(s))) a;
END
$$;
COMMENT ON FUNCTION audit_verdict(record, record) IS
    'audit_verdict(verdict, snapshot) for a row of public.verdicts and a row of policy_snapshots (the application''s, or the extension''s).';

-- The audit of stored verdicts, within a window or of one. A function, not a view over
-- public.verdicts: the extension may not depend on the application's tables (a restore creates
-- the extension before them).
CREATE OR REPLACE FUNCTION _verdict_audits(since interval, only_verdict uuid DEFAULT NULL)
RETURNS TABLE (verdict_id uuid, execution_id uuid, created_at timestamptz, error_class text,
               compliant boolean, policy_version text, issues text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    -- Each verdict with its run (by its id: on Citus, the run on the verdict's own shard) and
    -- the snapshot it names: its run's, in the run's row, or one stored apart. (Cast: AFU-9's
    -- own tables have varchar and timestamp columns.)
    RETURN QUERY
    SELECT v.id, v.execution_id, v.created_at::timestamptz, v.error_class::text,
           a.compliant AND e.policy_snapshot_id IS NOT DISTINCT FROM v.policy_snapshot_id, a.policy_version,
           a.issues || CASE WHEN e.policy_snapshot_id IS DISTINCT FROM v.policy_snapshot_id
                            THEN ARRAY[format('Verdict policy_snapshot_id %s is not its execution''s policy snapshot %s',
                                              coalesce(v.policy_snapshot_id::text, 'NULL'),
                                              coalesce(e.policy_snapshot_id::text, 'NULL'))]
                            ELSE '{}'::text[] END
      FROM public.verdicts v
      LEFT JOIN public.workflow_executions e ON e.id = v.execution_id
      LEFT JOIN policy_versions pv ON pv.id = e.policy_version_id AND e.policy_snapshot_id = v.policy_snapshot_id
      LEFT JOIN policy_documents dv ON dv.hash = pv.document_hash
      LEFT JOIN policy_snapshot_records r ON r.id = v.policy_snapshot_id AND pv.id IS NULL
      LEFT JOIN policy_documents dr ON dr.hash = r.document_hash
     -- audit_verdict(v, s), written out: one call per verdict, no rows to build.
     CROSS JOIN LATERAL (
        SELECT cardinality(i) = 0 AS compliant, coalesce(pv.version, r.version)::text AS policy_version, i AS issues
          FROM (SELECT verdict_audit_issues(v.policy_snapshot_id,
                                            coalesce(CASE WHEN pv.id IS NOT NULL THEN e.policy_snapshot_id END, r.id),
                                            v.signals, coalesce(dv.body, dr.body), v.error_class::text,
                                            v.confidence_score, v.proposed_action::text, v.fingerprint_id::text) AS i) x
     ) a
     WHERE (since IS NULL OR v.created_at > now() - since)
       AND (only_verdict IS NULL OR v.id = only_verdict);
END
$$;
COMMENT ON FUNCTION _verdict_audits(interval, uuid) IS
    'Internal: audit_verdict() of every verdict stored within the interval (all when NULL), or of one.';

CREATE OR REPLACE FUNCTION audit_verdict(verdict_id uuid,
                              OUT compliant boolean, OUT policy_version text, OUT issues text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
BEGIN
    SELECT a.compliant, a.policy_version, a.issues INTO compliant, policy_version, issues
      FROM afu9_policy._verdict_audits(NULL, verdict_id) a;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'cannot audit verdict %: no such verdict', verdict_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
COMMENT ON FUNCTION audit_verdict(uuid) IS 'audit_verdict(verdict, its snapshot) for a stored verdict; 22023 when there is no such verdict.';

CREATE OR REPLACE VIEW verdict_audits AS
SELECT * FROM _verdict_audits(NULL);
COMMENT ON VIEW verdict_audits IS 'Every stored verdict with its audit result (audit_verdict against its own snapshot).';

CREATE OR REPLACE FUNCTION audit_verdicts(since interval DEFAULT interval '7 days')
RETURNS SETOF verdict_audits
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT * FROM afu9_policy._verdict_audits(since) ORDER BY created_at, verdict_id;
END
$$;
COMMENT ON FUNCTION audit_verdicts(interval) IS 'Every verdict stored within the interval, with its audit result.';

CREATE OR REPLACE VIEW noncompliant_verdicts AS
SELECT * FROM verdict_audits WHERE NOT compliant;
COMMENT ON VIEW noncompliant_verdicts IS 'Verdicts whose audit found issues, with the issues.';

-- verdict_statistics is the application's (application.sql).

-- JavaScript's Math.round on a double: the consistency score must round as AFU-9 did.
CREATE OR REPLACE FUNCTION round_half_up(x double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.floor(x) + CASE WHEN x - pg_catalog.floor(x) >= 0.5 THEN 1 ELSE 0 END;
COMMENT ON FUNCTION round_half_up(double precision) IS 'Rounds half up (towards +infinity) in double precision, as JavaScript''s Math.round.';

CREATE OR REPLACE FUNCTION verdict_consistency(since interval DEFAULT interval '7 days',
                                    OUT total bigint, OUT by_error_class jsonb,
                                    OUT avg_confidence numeric, OUT consistency_score integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, afu9_policy, pg_temp
AS $$
#variable_conflict use_column
BEGIN

    WITH window_verdicts AS (
        SELECT * FROM public.verdicts WHERE created_at > now() - since
    ), ranked AS (
        SELECT fingerprint_id, error_class, confidence_score,
               first_value(error_class) OVER w AS first_class,
               first_value(confidence_score) OVER w AS first_score
          FROM window_verdicts
        WINDOW w AS (PARTITION BY fingerprint_id ORDER BY created_at, id)
    ), groups AS (
        SELECT bool_and(error_class = first_class AND confidence_score = first_score) AS consistent
          FROM ranked GROUP BY fingerprint_id
    ), classes AS (
        SELECT jsonb_object_agg(error_class, jsonb_build_object('count', n, 'avg_confidence', a)) AS by_class
          FROM (SELECT error_class, count(*) AS n, round(avg(confidence_score), 2) AS a
                  FROM window_verdicts GROUP BY error_class) c
    )
    SELECT (SELECT count(*) FROM window_verdicts),
           coalesce((SELECT by_class FROM classes), '{}'::jsonb),
           (SELECT round(avg(confidence_score), 2) FROM window_verdicts),
           coalesce((SELECT afu9_policy.round_half_up(count(*) FILTER (WHERE consistent)::float8 / count(*) * 100)::integer
                       FROM groups HAVING count(*) > 0), 0)
      INTO total, by_error_class, avg_confidence, consistency_score;
END
$$;
COMMENT ON FUNCTION verdict_consistency(interval) IS
    'Consistency of the verdicts within the interval: total, per class count and average confidence, average confidence, and consistency_score = round(consistent fingerprint groups / groups x 100), 0 when empty. A group is consistent when all its verdicts share the first one''s class and score.';
