-- afu9_policy 0.1.0 -> 0.2.0 (ALTER EXTENSION afu9_policy UPDATE).
\echo Use "ALTER EXTENSION afu9_policy UPDATE" to load this file. \quit

-- The snapshot trigger moves from plpgsql to Rust (src/snapshot.rs): plans kept per backend,
-- the active version looked up once per statement snapshot. CREATE OR REPLACE keeps the
-- function's owner, grants and comment; SECURITY DEFINER must be restated, and the pinned
-- search_path goes (the Rust queries name the schema).
CREATE OR REPLACE FUNCTION take_policy_snapshot() RETURNS trigger
    LANGUAGE c SECURITY DEFINER
    AS 'MODULE_PATHNAME', 'take_policy_snapshot_wrapper';

-- policy_ledger_digest() works on a standby too (it sealed first, which a standby refuses).
CREATE OR REPLACE FUNCTION policy_ledger_digest() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
BEGIN
    -- A standby cannot seal: it reports what the primary has sealed.
    IF NOT pg_is_in_recovery() THEN
        PERFORM @extschema@.seal_policy_ledger();
    END IF;
    RETURN jsonb_build_object(
        'at', iso8601(clock_timestamp()),
        'chains', (SELECT jsonb_object_agg(c, jsonb_build_object('length', coalesce(t.position, 0),
                                                                 'tip', encode(t.chain_hash, 'hex')))
                     FROM unnest(ARRAY['policy_snapshots', 'policy_versions', 'verdicts']) AS c
                     LEFT JOIN LATERAL (SELECT position, chain_hash FROM @extschema@.policy_ledger l
                                         WHERE l.chain = c ORDER BY position DESC LIMIT 1) t ON true));
END
$$;
COMMENT ON FUNCTION policy_ledger_digest() IS
    'Seals the ledger (on a standby: takes what the primary has sealed) and returns each chain''s length and tip hash with the time: keep it outside the database (and away from its administrators) to check against later.';

-- generate_verdict() reads its run's policy document by hash (no hash join per call).
CREATE OR REPLACE FUNCTION generate_verdict(execution_id uuid, signals jsonb) RETURNS verdicts
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    run record;
    c record;
    stored @extschema@.verdicts;
BEGIN
    -- Two key lookups and the document by hash: through the policy_snapshots view the planner
    -- builds a hash table of policy_documents on every call.
    SELECT e.id, e.policy_snapshot_id, s.version,
           (SELECT d.body FROM @extschema@.policy_documents d WHERE d.hash = s.document_hash) AS policies
      INTO run
      FROM @extschema@.workflow_executions e
      LEFT JOIN @extschema@.policy_snapshot_records s ON s.id = e.policy_snapshot_id
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
    SELECT * INTO c FROM @extschema@.classify_failure(signals, run.policies);
    INSERT INTO @extschema@.verdicts
        (execution_id, policy_snapshot_id, fingerprint_id, error_class, service, confidence_score,
         proposed_action, verdict_type, tokens, signals, playbook_id, metadata)
    VALUES (run.id, run.policy_snapshot_id, c.fingerprint_id, c.error_class, c.service, c.confidence_score,
            c.proposed_action, c.verdict_type, c.tokens, signals, c.playbook_id,
            jsonb_build_object('policy_version', run.version, 'generated_by', 'generate_verdict'))
    RETURNING * INTO stored;
    RETURN stored;
END
$$;

-- policy_kpis() counts the runs once (not three times) and without JIT.
CREATE OR REPLACE FUNCTION policy_kpis(since interval)
RETURNS TABLE (executions bigint,
               coverage_percentage numeric,
               verdicts bigint,
               linkage_percentage numeric,
               traceability_percentage numeric,
               modified_snapshots bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, @extschema@, pg_temp
-- Compiling the plan costs more than it saves here (about 120 ms on a million runs).
SET jit = off
AS $$
    -- Written for indexes, so that a window of a million runs is read from indexes, not tables:
    -- totals from the created_at indexes, the uncovered and unlinked from partial indexes of
    -- the few rows without a snapshot, modified snapshots from (document_hash, created_at).
    -- MATERIALIZED: inlined, each use of runs.total below would count the runs again.
    WITH runs AS MATERIALIZED (
        SELECT (SELECT count(*) FROM @extschema@.workflow_executions
                 WHERE created_at > now() - since) AS total,
               (SELECT count(*) FROM @extschema@.workflow_executions
                 WHERE created_at > now() - since AND policy_snapshot_id IS NULL) AS uncovered
    ), judged AS (
        SELECT count(*) AS total,
               count(v.policy_snapshot_id) AS linked,
               count(*) FILTER (WHERE v.policy_snapshot_id = (SELECT e.policy_snapshot_id
                                                                FROM @extschema@.workflow_executions e
                                                               WHERE e.id = v.execution_id)) AS traced
          FROM @extschema@.verdicts v
         WHERE v.created_at > now() - since
    ), snapshotted AS (
        -- The distinct documents snapshots name (few): one index probe each.
        WITH RECURSIVE hashes(hash) AS (
            (SELECT document_hash FROM @extschema@.policy_snapshot_records ORDER BY document_hash LIMIT 1)
            UNION ALL
            SELECT (SELECT r.document_hash FROM @extschema@.policy_snapshot_records r
                     WHERE r.document_hash > h.hash ORDER BY r.document_hash LIMIT 1)
              FROM hashes h WHERE h.hash IS NOT NULL
        )
        SELECT hash FROM hashes WHERE hash IS NOT NULL
    ), modified AS (
        SELECT count(*) AS total
          FROM snapshotted s
          JOIN @extschema@.policy_snapshot_records r ON r.document_hash = s.hash
         WHERE r.created_at > now() - since
           AND NOT EXISTS (SELECT 1 FROM @extschema@.policy_documents d
                            WHERE d.hash = s.hash AND d.hash = sha256(convert_to(d.body::text, 'UTF8')))
    )
    SELECT runs.total,
           round((runs.total - runs.uncovered) * 100.0 / nullif(runs.total, 0), 2),
           judged.total,
           round(judged.linked * 100.0 / nullif(judged.total, 0), 2),
           round(judged.traced * 100.0 / nullif(judged.total, 0), 2),
           modified.total
      FROM runs, judged, modified
$$;
