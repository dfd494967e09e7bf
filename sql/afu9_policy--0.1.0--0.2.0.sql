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
