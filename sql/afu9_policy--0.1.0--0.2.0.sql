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
